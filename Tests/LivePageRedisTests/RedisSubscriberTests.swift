import Glibc
import LivePageRedis
import LivePageTestSupport
import Testing

@Suite("Subscriber against a real redis-server", .timeLimit(.minutes(2)), .requires(.redisServer))
struct RedisSubscriberTests {
    @Test("Published messages arrive in order, on their channels, byte for byte", .timeLimit(.minutes(1)))
    func deliveryInOrder() async throws {
        try await withRedis { server in
            let messages = Recorder<RedisMessage>()
            let events = Recorder<RedisSubscriberEvent>()
            let subscriber = try await RedisSubscriber.connect(
                server.configuration(), on: TestReactor.loop, channels: ["a", "b", "a"], onMessage: messages.append, onEvent: events.append)
            let publisher = try await RedisConnection.connect(server.configuration(), on: TestReactor.loop)
            defer {
                subscriber.close()
                publisher.close()
            }
            #expect(subscriber.isSubscribed)
            #expect(subscriber.channels == ["a", "b"])
            #expect(events.all == [.subscribed(channels: ["a", "b"])])

            var expected: [RedisMessage] = []
            for index in 0..<500 {
                let payload = Array("\(index)".utf8) + [0, 13, 10, 255]
                let channel = index.isMultiple(of: 3) ? "b" : "a"
                #expect(try await publisher.publish(payload, to: channel) == 1)
                expected.append(RedisMessage(channel: channel, payload: payload))
            }
            #expect(try await publisher.publish("not subscribed".utf8, to: "c") == 0)
            #expect(await eventually { messages.count >= 500 })
            #expect(messages.all == expected)
        }
    }

    @Test("More channels can be added, and are confirmed before subscribe returns", .timeLimit(.minutes(1)))
    func addingChannels() async throws {
        try await withRedis { server in
            let messages = Recorder<RedisMessage>()
            let subscriber = try await RedisSubscriber.connect(
                server.configuration(), on: TestReactor.loop, channels: [], onMessage: messages.append)
            let publisher = try await RedisConnection.connect(server.configuration(), on: TestReactor.loop)
            defer {
                subscriber.close()
                publisher.close()
            }
            #expect(subscriber.isSubscribed)
            try await subscriber.subscribe(["x", "y"])
            #expect(try await publisher.publish("1".utf8, to: "y") == 1)
            try await subscriber.subscribe(["y", "z"])
            try await subscriber.subscribe(["z"])
            #expect(subscriber.channels == ["x", "y", "z"])
            #expect(try await publisher.publish("2".utf8, to: "z") == 1)
            #expect(try await publisher.publish("3".utf8, to: "x") == 1)
            #expect(await eventually { messages.count >= 3 })
            #expect(messages.all.map(\.channel) == ["y", "z", "x"])
        }
    }

    @Test(
        "CLIENT KILL TYPE pubsub: the loss is reported at once, then the subscription comes back by itself",
        .timeLimit(.minutes(1)))
    func clientKill() async throws {
        try await withRedis { server in
            let messages = Recorder<RedisMessage>()
            let events = Recorder<RedisSubscriberEvent>()
            let subscriber = try await RedisSubscriber.connect(
                server.configuration(), on: TestReactor.loop, channels: ["bus"], onMessage: messages.append, onEvent: events.append)
            let redis = try await RedisConnection.connect(server.configuration(), on: TestReactor.loop)
            defer {
                subscriber.close()
                redis.close()
            }
            #expect(try await redis.publish("before".utf8, to: "bus") == 1)
            #expect(try await redis.send(["CLIENT", "KILL", "TYPE", "pubsub"]) == .integer(1))
            #expect(await eventually { events.all.contains(where: \.isLost) })
            #expect(await eventually { events.all.filter(\.isSubscribed).count == 2 })
            let lost = events.all.first(where: \.isLost)
            #expect(lost == .lost(.connectionLost(host: "127.0.0.1", port: server.port)))
            #expect(
                events.all.filter { $0.isLost || $0.isSubscribed }
                    == [.subscribed(channels: ["bus"]), lost!, .subscribed(channels: ["bus"])])
            #expect(subscriber.isSubscribed)
            #expect(try await redis.publish("after".utf8, to: "bus") == 1)
            #expect(await eventually { messages.count >= 2 })
            #expect(messages.all.map { String(decoding: $0.payload, as: UTF8.self) } == ["before", "after"])
        }
    }

    @Test("A Redis that stops answering is a loss too, found by the health-check PING", .timeLimit(.minutes(1)))
    func healthCheck() async throws {
        try await withRedis { server in
            let events = Recorder<RedisSubscriberEvent>()
            var configuration = server.configuration(replyTimeout: .seconds(1), connectTimeout: .seconds(2))
            configuration.healthCheckInterval = .milliseconds(200)
            let subscriber = try await RedisSubscriber.connect(
                configuration, on: TestReactor.loop, channels: ["bus"], onMessage: { _ in }, onEvent: events.append)
            defer { subscriber.close() }
            server.signal(SIGSTOP)
            #expect(await eventually { events.all.contains(where: \.isLost) })
            #expect(events.all.first(where: \.isLost) == .lost(.replyTimeout(host: "127.0.0.1", port: server.port)))
            #expect(!subscriber.isSubscribed)
            server.signal(SIGCONT)
            #expect(await eventually { subscriber.isSubscribed })
            #expect(events.all.filter(\.isSubscribed).count >= 2)
        }
    }
}
