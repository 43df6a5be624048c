import LivePageRedis
import LivePageTestSupport
import Testing

@Suite("Command connection against a real redis-server", .timeLimit(.minutes(2)), .requires(.redisServer))
struct RedisConnectionTests {
    @Test("The fixture knows its own server: another process on the port, or none, is not it", .timeLimit(.minutes(1)))
    func fixtureReadiness() async throws {
        try await withRedis { server in
            let pid = try #require(server.pid)
            #expect(RedisProbe.answers(port: server.port, pid: pid, password: nil))
            #expect(!RedisProbe.answers(port: server.port, pid: pid + 1, password: nil))
        }
        try await RedisServer.withRefusingPort { port in
            #expect(!RedisProbe.answers(port: port, pid: 1, password: nil))
        }
    }

    @Test("Commands get their replies, typed and untyped", .timeLimit(.minutes(1)))
    func commandsAndReplies() async throws {
        try await withRedis { server in
            let redis = try await RedisConnection.connect(server.configuration(), on: TestReactor.loop)
            defer { redis.close() }
            try await redis.ping()
            #expect(redis.isConnected)

            #expect(try await redis.get("missing") == nil)
            #expect(try await redis.set("greeting", to: "hello".utf8))
            #expect(try await redis.get("greeting") == Array("hello".utf8))
            #expect(try await redis.set("greeting", to: "again".utf8, onlyIfAbsent: true) == false)
            #expect(try await redis.set("short", to: [1, 2, 3], expiringAfter: .seconds(60)))
            let ttl = try await redis.send(["PTTL", "short"]).integer ?? -1
            #expect(ttl > 0 && ttl <= 60_000)
            #expect(try await redis.expire("greeting", after: .seconds(30)))
            #expect(try await redis.expire("missing", after: .seconds(30)) == false)
            #expect(try await redis.delete(["greeting", "short", "missing"]) == 2)

            #expect(try await redis.increment("counter") == 1)
            #expect(try await redis.increment("counter") == 2)

            #expect(try await redis.setFields(["a": Array("1".utf8), "b": [0, 13, 10]], inHash: "hash") == 2)
            #expect(try await redis.fields(ofHash: "hash") == ["a": Array("1".utf8), "b": [0, 13, 10]])
            #expect(try await redis.deleteFields(["a", "z"], fromHash: "hash") == 1)
            #expect(try await redis.fields(ofHash: "nothing") == [:])

            #expect(try await redis.addMembers(["x", "y", "z"], toSet: "set") == 3)
            #expect(try await redis.removeMembers(["y"], fromSet: "set") == 1)
            #expect(try await redis.members(ofSet: "set") == ["x", "z"])

            for index in 0..<25 { try await redis.set("scan:\(index)", to: "v".utf8) }
            let keys = try await redis.keys(matching: "scan:*", batch: 7)
            #expect(keys == Set((0..<25).map { "scan:\($0)" }))

            let script = "return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}"
            let result = try await redis.evaluate(script, keys: ["counter"], arguments: [Array("arg".utf8)])
            #expect(
                result == .array([.bulkString(Array("counter".utf8)), .bulkString(Array("arg".utf8)), .integer(3)]))

            #expect(try await redis.info("server").contains("redis_version:"))
            #expect(try await redis.clientID() > 0)
            #expect(try await redis.publish("nobody listens".utf8, to: "empty") == 0)

            let binary: [UInt8] = Array(0...255) + [13, 10, 13, 10]
            #expect(try await redis.send([Array("ECHO".utf8), binary]) == .bulkString(binary))
            // BLPOP that times out answers the null array.
            #expect(try await redis.send(["BLPOP", "empty-list", "0.01"]) == .null)
        }
    }

    @Test("A thousand concurrent commands on one connection each get their own reply", .timeLimit(.minutes(1)))
    func thousandConcurrentCommands() async throws {
        try await withRedis { server in
            let redis = try await RedisConnection.connect(server.configuration(), on: TestReactor.loop)
            defer { redis.close() }
            let id = try await redis.clientID()
            try await withThrowingTaskGroup(of: (Int, RESPValue, RESPValue).self) { group in
                for index in 0..<1000 {
                    group.addTask {
                        let echo = try await redis.send(["ECHO", "reply-\(index)"])
                        let set = try await redis.send(["SET", "key-\(index)", "\(index)"])
                        return (index, echo, set)
                    }
                }
                var seen = 0
                for try await (index, echo, set) in group {
                    #expect(echo == .bulkString(Array("reply-\(index)".utf8)))
                    #expect(set == .simpleString("OK"))
                    seen += 1
                }
                #expect(seen == 1000)
            }
            let values = try await redis.send(["MGET"] + (0..<1000).map { "key-\($0)" })
            #expect(values == .array((0..<1000).map { .bulkString(Array(String($0).utf8)) }))
            #expect(try await redis.clientID() == id, "all on the one connection")
        }
    }

    @Test("An error reply is a matchable error, and the connection goes on", .timeLimit(.minutes(1)))
    func errorReplies() async throws {
        try await withRedis { server in
            let redis = try await RedisConnection.connect(server.configuration(), on: TestReactor.loop)
            defer { redis.close() }
            let unknown = await redisError { _ = try await redis.send(["NOSUCHCOMMAND", "x"]) }
            #expect(unknown?.replyCode == "ERR")
            #expect(unknown?.replyMessage?.contains("unknown command") == true)
            #expect(unknown?.isConnectionFailure == false)

            try await redis.set("text", to: "v".utf8)
            let wrongType = await redisError { _ = try await redis.members(ofSet: "text") }
            #expect(wrongType?.replyCode == "WRONGTYPE")
            let arity = await redisError { _ = try await redis.send(["GET"]) }
            #expect(arity?.replyCode == "ERR")

            // An error inside an array is a value, not a thrown error.
            let mixed = try await redis.evaluate("return {1, redis.error_reply('BOOM inside')}", keys: [])
            #expect(mixed == .array([.integer(1), .error("BOOM inside")]))
            try await redis.ping()
        }
    }

    @Test("A cancelled command resumes its caller at once; its late reply is discarded", .timeLimit(.minutes(1)))
    func cancellation() async throws {
        try await withRedis { server in
            let redis = try await RedisConnection.connect(server.configuration(), on: TestReactor.loop)
            let other = try await RedisConnection.connect(server.configuration(), on: TestReactor.loop)
            defer {
                redis.close()
                other.close()
            }
            let blocked = Task { () throws(RedisError) -> RESPValue in try await redis.send(["BLPOP", "queue", "0"]) }
            #expect(await eventually { await Self.blockedClients(other) == 1 })
            blocked.cancel()
            let result = await blocked.result
            #expect(throws: RedisError.cancelled) { try result.get() }
            // The command still ran: the element pushed now goes to the cancelled BLPOP,
            // whose reply must not be taken for the next command's.
            #expect(try await other.send(["LPUSH", "queue", "element"]) == .integer(1))
            #expect(try await redis.send(["ECHO", "mine"]) == .bulkString(Array("mine".utf8)))
            #expect(try await other.send(["LLEN", "queue"]) == .integer(0))

            let alreadyCancelled = Task { () throws(RedisError) -> RESPValue in
                withUnsafeCurrentTask { $0?.cancel() }
                return try await redis.send(["PING"])
            }
            await #expect(throws: RedisError.cancelled) { try await alreadyCancelled.value }
            try await redis.ping()
        }
    }

    @Test("Closing fails the waiting commands and every later one", .timeLimit(.minutes(1)))
    func closing() async throws {
        try await withRedis { server in
            let redis = try await RedisConnection.connect(server.configuration(), on: TestReactor.loop)
            let other = try await RedisConnection.connect(server.configuration(), on: TestReactor.loop)
            defer { other.close() }
            let blocked = Task { () throws(RedisError) -> RESPValue in try await redis.send(["BLPOP", "queue", "0"]) }
            #expect(await eventually { await Self.blockedClients(other) == 1 })
            redis.close()
            await #expect(throws: RedisError.closed) { try await blocked.value }
            await #expect(throws: RedisError.closed) { try await redis.send(["PING"]) }
            #expect(!redis.isConnected)
            #expect(await eventually { await Self.connectedClients(other) == 1 }, "the socket was closed")
        }
    }

    @Test("More waiting commands than the limit fail at once", .timeLimit(.minutes(1)))
    func pendingLimit() async throws {
        try await withRedis { server in
            var configuration = server.configuration()
            configuration.maximumPendingCommands = 1
            let redis = try await RedisConnection.connect(configuration, on: TestReactor.loop)
            let other = try await RedisConnection.connect(server.configuration(), on: TestReactor.loop)
            defer {
                redis.close()
                other.close()
            }
            let blocked = Task { () throws(RedisError) -> RESPValue in try await redis.send(["BLPOP", "queue", "0"]) }
            #expect(await eventually { await Self.blockedClients(other) == 1 })
            await #expect(throws: RedisError.tooManyPendingCommands(limit: 1)) { try await redis.send(["PING"]) }
            _ = try await other.send(["LPUSH", "queue", "x"])
            #expect(
                try await blocked.value == .array([.bulkString(Array("queue".utf8)), .bulkString(Array("x".utf8))]))
            try await redis.ping()
        }
    }

    /// The `blocked_clients` figure of `INFO clients`.
    static func blockedClients(_ redis: RedisConnection) async -> Int? {
        await infoFigure("blocked_clients", section: "clients", redis)
    }

    /// The `connected_clients` figure of `INFO clients`.
    static func connectedClients(_ redis: RedisConnection) async -> Int? {
        await infoFigure("connected_clients", section: "clients", redis)
    }

    static func infoFigure(_ name: String, section: String, _ redis: RedisConnection) async -> Int? {
        guard let info = try? await redis.info(section) else { return nil }
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix(name + ":") {
            return Int(line.dropFirst(name.count + 1))
        }
        return nil
    }
}
