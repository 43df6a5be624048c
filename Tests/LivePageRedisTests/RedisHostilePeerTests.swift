import LivePageRedis
import LivePageTestSupport
import Testing

@Suite("A broken or hostile peer, and authentication", .timeLimit(.minutes(2)))
struct RedisHostilePeerTests {
    /// Answers `PING` and `ECHO` properly, and `GET` with the bytes named by its key.
    static func peer() throws -> FakeRedisPeer {
        try FakeRedisPeer { arguments in
            switch (arguments.first?.uppercased(), arguments.dropFirst().first) {
            case ("PING", _): Array("+PONG\r\n".utf8)
            case ("ECHO", let text?): Array("$\(text.utf8.count)\r\n\(text)\r\n".utf8)
            case ("GET", "huge"): Array("$99999999999\r\n".utf8)
            case ("GET", "http"): Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8)
            case ("GET", "deep"): Array((String(repeating: "*1\r\n", count: 20) + ":1\r\n").utf8)
            case ("GET", "twice"): Array("$1\r\na\r\n$1\r\nb\r\n".utf8)
            case ("GET", "hangup"): nil
            default: Array("-ERR not in this play\r\n".utf8)
            }
        }
    }

    static func configuration(_ peer: FakeRedisPeer) -> RedisConfiguration {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: peer.port)
        configuration.initialReconnectDelay = .milliseconds(20)
        configuration.maximumReconnectDelay = .milliseconds(250)
        configuration.replyTimeout = .seconds(20)
        configuration.connectTimeout = .seconds(20)
        return configuration
    }

    static let cases: [(String, RedisError)] = [
        ("huge", .protocolViolation(.bulkTooLong(length: 99_999_999_999, limit: 16 << 20))),
        ("http", .protocolViolation(.unknownType(UInt8(ascii: "H")))),
        ("deep", .protocolViolation(.tooDeep(limit: 8))),
        ("hangup", .connectionLost(host: "127.0.0.1", port: 0)),
    ]

    @Test(
        "Invalid replies fail the command and reset the connection, which comes back", .timeLimit(.minutes(1)),
        arguments: cases)
    func invalidReply(key: String, expected: RedisError) async throws {
        let peer = try Self.peer()
        defer { peer.stop() }
        let events = Recorder<RedisConnectionEvent>()
        let redis = try await RedisConnection.connect(Self.configuration(peer), on: TestReactor.loop, onEvent: events.append)
        defer { redis.close() }
        let error = await redisError { _ = try await redis.get(key) }
        if key == "hangup" {
            #expect(error == .connectionLost(host: "127.0.0.1", port: peer.port))
        } else {
            #expect(error == expected)
            #expect(error?.isConnectionFailure == true)
        }
        #expect(await eventually { events.all.filter { $0 == .connected }.count == 2 })
        #expect(try await redis.send(["ECHO", "still here"]) == .bulkString(Array("still here".utf8)))
    }

    @Test("A reply no command waited for resets the connection", .timeLimit(.minutes(1)))
    func unsolicitedReply() async throws {
        let peer = try Self.peer()
        defer { peer.stop() }
        let events = Recorder<RedisConnectionEvent>()
        let redis = try await RedisConnection.connect(Self.configuration(peer), on: TestReactor.loop, onEvent: events.append)
        defer { redis.close() }
        #expect(try await redis.get("twice") == [UInt8(ascii: "a")])
        #expect(await eventually { events.all.filter { $0 == .connected }.count == 2 })
        #expect(events.all.contains(.disconnected(.connectionLost(host: "127.0.0.1", port: peer.port))))
        #expect(try await redis.send(["ECHO", "x"]) == .bulkString([UInt8(ascii: "x")]))
    }

    @Test(
        "With requirepass: no password or a wrong one is refused at start; the right one works", .timeLimit(.minutes(1)),
        .requires(.redisServer))
    func authentication() async throws {
        try await withRedis(extraArguments: ["--requirepass", "s3cret"]) { server in
            var configuration = server.configuration()
            let missing = await redisError { _ = try await RedisConnection.connect(configuration, on: TestReactor.loop) }
            #expect(missing?.replyCode == "NOAUTH")
            configuration.password = "wrong"
            let wrong = await redisError { _ = try await RedisConnection.connect(configuration, on: TestReactor.loop) }
            #expect(wrong?.replyCode == "WRONGPASS")
            configuration.password = "s3cret"
            let redis = try await RedisConnection.connect(configuration, on: TestReactor.loop)
            defer { redis.close() }
            try await redis.ping()
            let subscriber = try await RedisSubscriber.connect(configuration, on: TestReactor.loop, channels: ["c"], onMessage: { _ in })
            defer { subscriber.close() }
            #expect(try await redis.publish("x".utf8, to: "c") == 1)
        }
    }
}
