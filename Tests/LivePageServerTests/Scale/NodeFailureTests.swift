import LivePageEvents
import LivePageTestSupport
import Testing

extension Scale {
    /// A node that dies (`kill -9`): nginx sends its clients' requests to the backup, which
    /// answers `410` (their pages reload); the others drop its principals once its liveness
    /// key expires; nobody else notices. Restarted with the same tag, it is a new
    /// incarnation: old ids stay gone, new ones work. Each test has a cluster of its own.
    @Suite(.serialized, .timeLimit(.minutes(5)), .requires(.nginx, .redisServer, .redisCLI))
    struct NodeFailureTests {
        @Test func aKilledNodesClientsGet410ItsPrincipalsLeaveAndTheOtherNodesClientsLoseNothing() async throws {
            try await withCluster { cluster in
                let location = "/crash"
                let clients = try cluster.registerOnEveryNode(at: location, perNode: 2, principal: { "crash-\($0)" })
                let watcher = try cluster.node(1).endpoint.register(at: location, principal: "watcher", presence: "list")
                let dead = clients.filter { $0.tag == 3 }
                let survivors = clients.filter { $0.tag != 3 }
                let survivingPrincipals = (survivors.compactMap(\.principal) + ["watcher"]).sorted()
                let deadPrincipals = Set(dead.compactMap(\.principal))
                #expect(try cluster.front.deliver(["before"], toLocation: location) == clients.count + 1)
                let listedEverywhere = try await eventually {
                    try cluster.nodes.allSatisfy { try $0.endpoint.principals(at: location)?.count == clients.count + 1 }
                }
                #expect(listedEverywhere, "every node lists every principal before the kill")

                try await cluster.node(3).kill()
                let killed = ContinuousClock.now

                // Its clients' next polls go to its backup through nginx: 410.
                for client in dead {
                    expectError(try cluster.front.poll(client, after: 1), 410, reason: "unknown")
                }
                // The other nodes' clients lose nothing: the event from before and the one
                // from after, gap-free.
                #expect(try cluster.front.deliver(["after"], toLocation: location) == survivors.count + 1)
                for client in survivors {
                    let events = try cluster.front.events(client)
                    #expect(seqs(events) == [1, 2], "client on node \(client.tag)")
                    #expect(htmls(events) == ["before", "after"], "client on node \(client.tag)")
                }

                // Its principals leave the other nodes' presence once its liveness expires.
                let gone = try await eventually(timeout: .seconds(60), interval: .milliseconds(100)) {
                    try [1, 2].allSatisfy { try cluster.node($0).endpoint.principals(at: location) == survivingPrincipals }
                }
                let elapsed = ContinuousClock.now - killed
                print("Scale: a killed node's principals left the others' presence \(elapsed) after kill -9")
                #expect(gone, "node 3's principals are still listed after \(elapsed)")
                #expect(elapsed < .seconds(30), "expected within about 15 s")

                // The presence client on node 1 hears them leave.
                var after = 0
                var left: Set<String> = []
                _ = try await cluster.awaitEvent(of: watcher, after: &after) { event in
                    left.formUnion(event.strings("left") ?? [])
                    return deadPrincipals.isSubset(of: left)
                }
                #expect(deadPrincipals.isSubset(of: left), "the watcher heard \(left) leave")
            }
        }

        @Test func aRestartedNodeAnswers410ForItsOldIdsAndServesNewRegistrations() async throws {
            try await withCluster { cluster in
                let location = "/restart"
                let clients = try cluster.registerOnEveryNode(at: location, perNode: 2, principal: { "restart-\($0)" })
                let old = clients.filter { $0.tag == 2 }
                let survivors = clients.filter { $0.tag != 2 }
                #expect(try cluster.front.deliver(["before"], toLocation: location) == clients.count)
                let listedEverywhere = try await eventually {
                    try cluster.nodes.allSatisfy { try $0.endpoint.principals(at: location)?.count == clients.count }
                }
                #expect(listedEverywhere, "every node lists every principal before the kill")

                try await cluster.node(2).kill()
                for client in old {
                    expectError(try cluster.front.poll(client, after: 1), 410, reason: "unknown")
                }
                try await cluster.node(2).restart()
                for client in old {
                    expectError(try cluster.front.poll(client, after: 1), 410, reason: "unknown")
                }

                let fresh = try await cluster.registerUntilOne(onNode: 2, at: location)
                #expect(try cluster.front.deliver(["after"], toLocation: location) == survivors.count + fresh.count)
                for client in fresh {
                    let events = try cluster.front.events(client)
                    #expect(seqs(events) == [1], "new client on node \(client.tag)")
                    #expect(htmls(events) == ["after"], "new client on node \(client.tag)")
                }
                for client in survivors {
                    #expect(htmls(try cluster.front.events(client)) == ["before", "after"], "client on node \(client.tag)")
                }

                // The old incarnation's principals leave every node's presence, the new
                // incarnation's included (it loaded them while the old one still counted
                // as alive), once its liveness key expires.
                let expected = survivors.compactMap(\.principal).sorted()
                let (left, seen) = try await cluster.awaitPresence(
                    at: location, listing: expected, timeout: .seconds(60), interval: .milliseconds(200))
                #expect(left, "presence on each node: \(seen), expected \(expected)")
            }
        }
    }
}
