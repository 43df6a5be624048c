import LivePageEvents
import LivePageTestSupport
import Testing

extension Scale {
    /// Redis stopped: no publish is accepted that could not reach every node (`503`),
    /// output waits (`503`); Redis back on the same port, empty: every node reconnects,
    /// drops the clients that may have missed events (`410`), and serves again.
    @Suite(.serialized, .timeLimit(.minutes(5)), .requires(.nginx, .redisServer, .redisCLI))
    struct RedisOutageTests {
        @Test func whileRedisIsDownPublishAnswers503AndServiceResumesWhenItIsBack() async throws {
            try await withCluster { cluster in
                let location = "/outage"
                let clients = try cluster.registerOnEveryNode(at: location, perNode: 1)
                #expect(try cluster.front.deliver(["before"], toLocation: location) == clients.count)

                try await cluster.redis.stop()
                for endpoint in [cluster.front] + cluster.nodes.map(\.endpoint) {
                    var statuses: [Int] = []
                    let refused = try await eventually {
                        let status = try endpoint.publish(#"[{"verb":"append","id":"log","html":"lost"}]"#, to: #"{"location":"/outage"}"#).status
                        statuses.append(status)
                        return status == 503
                    }
                    #expect(refused && !statuses.contains(200), "publish through \(endpoint.port) answered \(statuses)")
                }
                for client in clients {
                    let suspended = try await eventually { try cluster.front.poll(client, after: 1).status == 503 }
                    #expect(suspended, "output of a client on node \(client.tag) is not suspended")
                }

                try await cluster.redis.restart()
                // Each node reconnects (with backoff) and drops the clients it had: 410.
                for client in clients {
                    var statuses: [Int] = []
                    let dropped = try await eventually(timeout: .seconds(90), interval: .milliseconds(200)) {
                        let response = try cluster.front.poll(client, after: 1)
                        statuses.append(response.status)
                        return response.status == 410
                    }
                    #expect(dropped, "a client on node \(client.tag) answered \(Set(statuses))")
                    #expect(statuses.allSatisfy { $0 == 503 || $0 == 410 }, "\(statuses)")
                }

                let fresh = try cluster.registerOnEveryNode(at: location, perNode: 1, principal: { "back-\($0)" })
                // Every node lists every node's new client once each has written its presence
                // to Redis: then each node's command connection is back too, which a node needs
                // to report its delivery count to the publishing node within the reply timeout.
                let expected = fresh.compactMap(\.principal).sorted()
                let (listed, seen) = try await cluster.awaitPresence(at: location, listing: expected)
                #expect(listed, "presence after Redis came back: \(seen), expected \(expected) on every node")
                #expect(try cluster.front.deliver(["after"], toLocation: location) == fresh.count)
                for client in fresh {
                    let served = try await eventually {
                        let response = try cluster.front.poll(client, after: 0)
                        guard response.status == 200 else { return false }
                        return try htmls(response.events()) == ["after"]
                    }
                    #expect(served, "new client on node \(client.tag) did not get its event")
                }
                // And it stays so: Redis came back empty, without the nodes' liveness keys,
                // and a node's sweep must not take another for dead before that one says it
                // is alive again (every 3 s). Three sweeps later, every node still lists all.
                try await Task.sleep(for: .seconds(10))
                let later = try cluster.principalsOnEachNode(at: location)
                #expect(later.allSatisfy { $0 == expected }, "presence 10 s later: \(later), expected \(expected) on every node")
            }
        }
    }
}
