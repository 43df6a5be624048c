import Glibc
import LivePageRedis
import LivePageTestSupport
import Testing

@Suite("Failures: Redis unreachable, stopped, restarted, slow or frozen", .timeLimit(.minutes(2)))
struct RedisFailureTests {
    @Test("Unreachable at start: a clear error naming the host, the port and the errno", .timeLimit(.minutes(1)))
    func unreachableAtStart() async throws {
        try await RedisServer.withRefusingPort { port in
            let configuration = RedisConfiguration(host: "127.0.0.1", port: port)
            let expected = RedisError.unreachable(host: "127.0.0.1", port: port, errno: ECONNREFUSED)

            let error = await redisError { _ = try await RedisConnection.connect(configuration, on: TestReactor.loop) }
            #expect(error == expected)
            #expect(
                error?.description
                    == "cannot connect to Redis at 127.0.0.1:\(port): Connection refused (errno 111);"
                    + " is redis-server running there?")
            #expect(error?.isConnectionFailure == true)

            let subscriberError = await redisError {
                _ = try await RedisSubscriber.connect(configuration, on: TestReactor.loop, channels: ["bus"], onMessage: { _ in })
            }
            #expect(subscriberError == expected)
        }
    }

    @Test(
        "A host name is looked up off the loop: localhost connects; a name that does not exist is a clear error",
        .timeLimit(.minutes(2)), .requires(.redisServer))
    func hostNames() async throws {
        try await withRedis { server in
            // The lookup runs on the concurrency pool, which the tests beside this one can
            // keep busy for many seconds on a small machine: a long connect timeout.
            var configuration = server.configuration(connectTimeout: .seconds(45))
            configuration.host = "localhost"
            let redis = try await RedisConnection.connect(configuration, on: TestReactor.loop)
            defer { redis.close() }
            try await redis.ping()

            // `.invalid` never resolves (RFC 6761), so the resolver answers at once.
            configuration.host = "livepage-no-such-host.invalid"
            let error = await redisError { _ = try await RedisConnection.connect(configuration, on: TestReactor.loop) }
            #expect(error == .cannotResolve(host: "livepage-no-such-host.invalid", port: server.port))
        }
    }

    @Test("A frozen Redis at start: the connect timeout ends the wait", .timeLimit(.minutes(1)), .requires(.redisServer))
    func connectTimeout() async throws {
        try await withRedis { server in
            server.signal(SIGSTOP)
            defer { server.signal(SIGCONT) }
            let configuration = server.configuration(connectTimeout: .milliseconds(500))
            let error = await redisError { _ = try await RedisConnection.connect(configuration, on: TestReactor.loop) }
            #expect(error == .connectTimeout(host: "127.0.0.1", port: server.port))
        }
    }

    @Test(
        "Redis stopped: commands fail at once; restarted on its port: both connections come back by themselves",
        .timeLimit(.minutes(2)), .requires(.redisServer))
    func stopAndRestart() async throws {
        try await withRedis { server in
            let connectionEvents = Recorder<RedisConnectionEvent>()
            let subscriberEvents = Recorder<RedisSubscriberEvent>()
            let messages = Recorder<RedisMessage>()
            let redis = try await RedisConnection.connect(server.configuration(), on: TestReactor.loop, onEvent: connectionEvents.append)
            let subscriber = try await RedisSubscriber.connect(
                server.configuration(), on: TestReactor.loop, channels: ["bus"], onMessage: messages.append, onEvent: subscriberEvents.append)
            defer {
                redis.close()
                subscriber.close()
            }
            let blocked = Task { () throws(RedisError) -> RESPValue in try await redis.send(["BLPOP", "queue", "0"]) }
            let observer = try await RedisConnection.connect(server.configuration(), on: TestReactor.loop)
            #expect(await eventually { await RedisConnectionTests.blockedClients(observer) == 1 })
            observer.close()

            try await server.stop(with: SIGTERM)
            let lost = RedisError.connectionLost(host: "127.0.0.1", port: server.port)
            await #expect(throws: lost) { try await blocked.value }
            #expect(await eventually { !redis.isConnected })
            await #expect(throws: RedisError.notConnected(host: "127.0.0.1", port: server.port)) {
                try await redis.send(["PING"])
            }
            #expect(await eventually { subscriberEvents.all.contains(where: \.isLost) })
            #expect(subscriberEvents.all.first(where: \.isLost) == .lost(lost))
            #expect(connectionEvents.all.prefix(2) == [.connected, .disconnected(lost)])
            #expect(
                await eventually {
                    connectionEvents.all.contains { if case .reconnectFailed = $0 { true } else { false } }
                })

            try await server.restart()
            #expect(await eventually { redis.isConnected && subscriber.isSubscribed })
            try await redis.ping()
            #expect(try await redis.publish("back".utf8, to: "bus") == 1)
            #expect(await eventually { messages.count == 1 })
            #expect(connectionEvents.all.filter { $0 == .connected }.count == 2)
            #expect(subscriberEvents.all.filter(\.isSubscribed).count == 2)
        }
    }

    @Test(
        "A slow reply (DEBUG SLEEP) fails with the reply timeout, without waiting it out", .timeLimit(.minutes(1)),
        .requires(.redisServer))
    func replyTimeout() async throws {
        try await withRedis { server in
            let events = Recorder<RedisConnectionEvent>()
            let configuration = server.configuration(replyTimeout: .seconds(1), connectTimeout: .seconds(5))
            let redis = try await RedisConnection.connect(configuration, on: TestReactor.loop, onEvent: events.append)
            defer { redis.close() }
            let started = ContinuousClock.now
            await #expect(throws: RedisError.replyTimeout(host: "127.0.0.1", port: server.port)) {
                try await redis.send(["DEBUG", "SLEEP", "10"])
            }
            #expect(ContinuousClock.now - started < .seconds(8))
            #expect(
                await eventually {
                    events.all.contains(.disconnected(.connectionLost(host: "127.0.0.1", port: server.port)))
                })
            // Once Redis wakes up, the connection is back.
            #expect(await eventually { (try? await redis.ping()) != nil })
        }
    }

    @Test(
        "A frozen Redis (SIGSTOP) fails commands with the reply timeout, and the connection recovers after SIGCONT",
        .timeLimit(.minutes(1)), .requires(.redisServer))
    func frozenRedis() async throws {
        try await withRedis { server in
            let configuration = server.configuration(replyTimeout: .seconds(1), connectTimeout: .seconds(2))
            let redis = try await RedisConnection.connect(configuration, on: TestReactor.loop)
            defer { redis.close() }
            server.signal(SIGSTOP)
            let error = await redisError { try await redis.ping() }
            #expect(error == .replyTimeout(host: "127.0.0.1", port: server.port))
            // While it stays frozen, every command fails one way or another, none hangs.
            for _ in 0..<3 {
                let failure = await redisError { try await redis.ping() }
                #expect(failure?.isConnectionFailure == true)
            }
            server.signal(SIGCONT)
            #expect(await eventually { (try? await redis.ping()) != nil })
        }
    }
}
