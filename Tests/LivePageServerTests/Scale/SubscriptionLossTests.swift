import LivePageEvents
import LivePageTestSupport
import Testing

extension Scale {
    /// A node whose bus subscription breaks may have missed events: it must say so, never
    /// serve a queue with a hole in it. Its parked polls are answered `503` at once; once
    /// subscribed again it drops its clients (`410 evicted`, their pages reload) and serves
    /// new ones. The other nodes carry on.
    @Suite(.serialized, .timeLimit(.minutes(5)), .requires(.nginx, .redisServer, .redisCLI))
    struct SubscriptionLossTests {
        @Test func aNodeWhoseSubscriptionIsKilledAnswers503Then410AndServesNewClients() async throws {
            try await withCluster { cluster in
                let location = "/wire"
                let clients = try cluster.registerOnEveryNode(at: location, perNode: 2, principal: { "wire-\($0)" })
                let cut = clients.filter { $0.tag == 1 }
                let others = clients.filter { $0.tag != 1 }
                #expect(try cluster.front.deliver(["first"], toLocation: location) == clients.count)
                for client in clients { #expect(htmls(try cluster.front.events(client)) == ["first"]) }
                let listedEverywhere = try await eventually {
                    try cluster.nodes.allSatisfy { try $0.endpoint.principals(at: location)?.count == clients.count }
                }
                #expect(listedEverywhere, "every node lists every principal before the subscription is killed")

                let parked = UncheckedBox(try cluster.front.startPoll(cut[0], after: 1))
                let isParked = try await eventually { try cluster.node(1).endpoint.metric("livepage_parked_requests") == 1 }
                try #require(isParked, "the poll did not park on node 1")

                try await cluster.killSubscriber(ofNode: 1)
                let answer = try await BlockingThread.run { try parked.value.readResponse() }
                expectError(answer, 503)
                #expect(answer.header("Retry-After").flatMap { Int($0) } != nil, "\(answer)")

                // Published while node 1 may still be resubscribing: the other nodes' clients
                // get it; node 1's either get it or are told to reload, never a gap.
                let delivered = try #require(try cluster.front.deliver(["second"], toLocation: location))
                #expect(delivered >= others.count && delivered <= clients.count, "delivered \(delivered)")
                for client in others {
                    let events = try cluster.front.events(client, after: 1)
                    #expect(seqs(events) == [2] && htmls(events) == ["second"], "client on node \(client.tag): \(events)")
                }

                // Once subscribed again, node 1 has dropped its clients: 503 until then, 410 after.
                for client in cut {
                    var statuses: [Int] = []
                    let evicted = try await eventually(timeout: .seconds(60), interval: .milliseconds(100)) {
                        let response = try cluster.front.poll(client, after: 1)
                        statuses.append(response.status)
                        if response.status == 410 { expectError(response, 410, reason: "evicted") }
                        return response.status == 410
                    }
                    #expect(evicted, "node 1's client answered \(statuses)")
                    #expect(statuses.allSatisfy { $0 == 503 || $0 == 410 }, "node 1's client answered \(statuses)")
                }

                // It serves new registrations again, with every event.
                let fresh = try await cluster.registerUntilOne(onNode: 1, at: location)
                #expect(try cluster.front.deliver(["third"], toLocation: location) == others.count + fresh.count)
                for client in fresh {
                    let served = try await eventually {
                        let response = try cluster.front.poll(client, after: 0)
                        guard response.status == 200 else { return false }
                        return try htmls(response.events()) == ["third"]
                    }
                    #expect(served, "new client on node \(client.tag) did not get its event")
                }
                for client in others {
                    #expect(htmls(try cluster.front.events(client, after: 2)) == ["third"], "client on node \(client.tag)")
                }
                // The dropped clients' principals have left every node's presence.
                let expected = others.compactMap(\.principal).sorted()
                let (left, seen) = try await cluster.awaitPresence(at: location, listing: expected)
                #expect(left, "presence on each node: \(seen), expected \(expected)")
            }
        }
    }
}
