import Glibc
import LivePageTestSupport
import Testing

/// The command's flags for several servers: what it refuses, and a Redis it cannot reach.
@Suite struct ClusterCommandTests {
    @Test(.timeLimit(.minutes(2)))
    func redisNeedsANodeTagAndAPasswordNeedsRedis() async throws {
        let secret = "a-redis-password-to-hide"
        let cases: [(arguments: [String], environment: [String: String], mentions: [String])] = [
            (["--redis", "127.0.0.1:6379"], [:], ["--node-tag", "--redis"]),
            (["--redis", "127.0.0.1:6379", "--node-tag", "0"], [:], ["--node-tag", "1 to 255"]),
            (["--redis", "127.0.0.1:6379", "--node-tag", "256"], [:], ["--node-tag", "1 to 255"]),
            (["--redis", "127.0.0.1:not-a-port", "--node-tag", "1"], [:], ["--redis", "HOST:PORT"]),
            (["--redis-password", secret], [:], ["--redis-password", "--redis"]),
            ([], ["LIVEPAGE_REDIS_PASSWORD": secret], ["--redis-password", "--redis"]),
        ]
        for test in cases {
            let process = try await CommandTests.run(test.arguments, environment: test.environment)
            try await CommandTests.expectRefusal(process, mentioning: test.mentions, hiding: [secret])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func anUnreachableRedisIsOneClearLineAndExitCode2() async throws {
        let (fd, port) = try Self.boundButNotListening()
        defer { close(fd) }
        let process = try await CommandTests.run(["--redis", "127.0.0.1:\(port)", "--node-tag", "1", "--port", "0"])
        try await CommandTests.expectRefusal(process, mentioning: ["Redis", "127.0.0.1:\(port)"])
    }

    /// A port nothing listens on, held so no other test takes it meanwhile.
    static func boundButNotListening() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard fd >= 0, bound else { throw ServerProcessError("cannot bind a free port: errno \(errno)") }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
