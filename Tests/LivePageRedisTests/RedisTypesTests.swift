import Glibc
import LivePageTestSupport
import Testing

@testable import LivePageRedis

@Suite("Commands, addresses, backoff and errors", .timeLimit(.minutes(1)))
struct RedisTypesTests {
    @Test("A command is an array of bulk strings", .timeLimit(.minutes(1)))
    func encoding() {
        #expect(RedisCommand(["SET", "k", "v"]).encoded() == Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n".utf8))
        #expect(RedisCommand(["PING"]).encoded() == Array("*1\r\n$4\r\nPING\r\n".utf8))
        #expect(RedisCommand(["ECHO", ""]).encoded() == Array("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n".utf8))
        #expect(
            RedisCommand(["SET", "clé", "é"]).encoded() == Array("*3\r\n$3\r\nSET\r\n$4\r\nclé\r\n$2\r\né\r\n".utf8))
    }

    @Test("Encoding is binary-safe: CR, LF, NUL and any byte come back as sent", .timeLimit(.minutes(1)))
    func binarySafe() throws {
        let arguments: [[UInt8]] = [Array("PUBLISH".utf8), [13, 10], [0, 255, 36, 42, 13], Array(0...255), []]
        var decoder = RESPDecoder()
        decoder.append(RedisCommand(bytes: arguments).encoded())
        #expect(try decoder.next() == .array(arguments.map { .bulkString($0) }))
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("A command describes itself briefly, for logs", .timeLimit(.minutes(1)))
    func commandDescription() {
        #expect(RedisCommand(["get", "key"]).name == "GET")
        #expect("\(RedisCommand(["SET", "k", "v"]))" == #"SET "k" "v""#)
        #expect("\(RedisCommand(["SADD", "s", "1", "2", "3", "4", "5"]))" == #"SADD "s" "1" "2" "3" …"#)
    }

    static let validAddresses: [(String, String, Int)] = [
        ("127.0.0.1:6380", "127.0.0.1", 6380),
        ("redis.internal", "redis.internal", 6379),
        ("redis:7000", "redis", 7000),
        ("[::1]:7001", "::1", 7001),
        ("[::1]", "::1", 6379),
    ]

    @Test("Addresses parse as HOST:PORT, HOST or [IPV6]:PORT", .timeLimit(.minutes(1)), arguments: validAddresses)
    func addresses(address: String, host: String, port: Int) throws {
        let configuration = try RedisConfiguration(address: address)
        #expect(configuration.host == host)
        #expect(configuration.port == port)
        #expect(configuration.replyTimeout == .seconds(5))
    }

    @Test(
        "Anything else is an invalid address", .timeLimit(.minutes(1)),
        arguments: [
            "", ":6379", "host:", "host:0", "host:70000", "host:abc", "::1", "[::1", "[::1]x", "a b:1", "host:-1",
        ])
    func invalidAddresses(address: String) {
        #expect(throws: RedisError.invalidAddress(address)) { try RedisConfiguration(address: address) }
    }

    @Test(
        "Backoff: at once, then doubling from the initial delay up to the cap, jittered down by at most half",
        .timeLimit(.minutes(1)))
    func backoff() {
        var random = SplitMix64(seed: 42)
        var backoff = RedisBackoff(initial: .milliseconds(100), maximum: .seconds(1))
        #expect(backoff.nextDelay(using: &random) == .zero)
        let ceilings: [Duration] = [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
            .seconds(1),
        ]
        var delays: [Duration] = []
        for ceiling in ceilings {
            let delay = backoff.nextDelay(using: &random)
            #expect(delay <= ceiling && delay >= ceiling / 2, "\(delay) for a ceiling of \(ceiling)")
            delays.append(delay)
        }
        #expect(Set(delays).count > 1, "jittered")
        backoff.reset()
        #expect(backoff.nextDelay(using: &random) == .zero)
        for _ in 0..<100 { #expect(backoff.nextDelay(using: &random) <= .seconds(1)) }
    }

    @Test("Errors match by what and where, not by their detail, and say both", .timeLimit(.minutes(1)))
    func errors() {
        let refused = RedisError.unreachable(host: "127.0.0.1", port: 1, errno: ECONNREFUSED)
        #expect(refused == .unreachable(host: "127.0.0.1", port: 1, errno: ECONNREFUSED))
        #expect(refused != .unreachable(host: "127.0.0.1", port: 2, errno: ECONNREFUSED))
        #expect(refused.description.contains("127.0.0.1:1"))
        #expect(refused.description.contains("Connection refused"))
        #expect(refused.isConnectionFailure)
        let lost = RedisError.connectionLost(host: "::1", port: 6379)
        #expect(lost.with(detail: "Connection reset by peer") == lost)
        #expect(lost.with(detail: "Connection reset by peer").description.hasSuffix("(Connection reset by peer)"))
        #expect(lost.description.contains("[::1]:6379"))
        let reply = RedisError.reply("WRONGTYPE Operation against a key holding the wrong kind of value")
        #expect(reply.replyCode == "WRONGTYPE")
        #expect(!reply.isConnectionFailure)
        #expect(RedisError.closed.replyCode == nil)
    }

    @Test("The queue of waiters is first in, first out, across compactions", .timeLimit(.minutes(1)))
    func fifo() throws {
        var queue = FIFOQueue<Int>()
        var next = 0
        var expected = 0
        for round in 0..<50 {
            for _ in 0..<(round * 37 % 200) {
                queue.append(next)
                next += 1
            }
            for _ in 0..<(round * 53 % 150) {
                guard let value = queue.popFirst() else { break }
                #expect(value == expected)
                expected += 1
            }
            #expect(queue.count == next - expected)
            #expect(queue.first == (queue.isEmpty ? nil : expected))
        }
        try #require(queue.count >= 2)
        let changed = queue.updateFirst(
            where: { $0 == expected + 1 },
            { value in
                value = -1
                return true
            })
        #expect(changed == true)
        #expect(queue.removeAll() == [expected, -1] + Array((expected + 2)..<next))
        #expect(queue.isEmpty)
    }
}
