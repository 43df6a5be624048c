import LivePageEvents
import LivePageTestSupport
import Testing

extension Scale {
    /// Publish, input and disconnect go through the bus: one Redis `PUBLISH` that every node
    /// delivers from its subscription, so clients on every node get the same events in
    /// the same order, and `delivered` sums the nodes' counts.
    @Suite(.serialized, .timeLimit(.minutes(5)), .requires(.nginx, .redisServer, .redisCLI), .sharedCluster)
    struct FanOutTests {
        @Test func aPublishReachesClientsOnAllThreeNodesInOneOrderWithGapFreeSeqs() async throws {
            let cluster = try ScaleCluster.current()
            let location = "/fan-out"
            let clients = try cluster.registerOnEveryNode(at: location, perNode: 3)

            // One publish through nginx, then one sent to each node: whichever node takes
            // it, every client of every node gets it.
            var published: [[String]] = []
            for (index, target) in ([cluster.front] + cluster.nodes.map(\.endpoint)).enumerated() {
                let html = ["one-\(index)", "two-\(index)"]
                #expect(try target.deliver(html, toLocation: location) == clients.count * 2, "publish through \(target.port)")
                published.append(html)
            }
            // Then ten publishes through each node at once, one after another on each: Redis
            // puts the thirty in one order, which every client must see.
            let perNode = 10
            let delivered = try await withThrowingTaskGroup(of: [Int?].self) { group in
                for node in cluster.nodes {
                    let endpoint = node.endpoint
                    group.addTask {
                        try await BlockingThread.run {
                            try (0..<perNode).map { try endpoint.deliver(["node-\(node.tag)-\($0)"], toLocation: location) }
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(delivered == Array(repeating: clients.count, count: perNode * cluster.nodes.count))
            for node in cluster.nodes { published += (0..<perNode).map { ["node-\(node.tag)-\($0)"] } }

            let total = published.joined().count
            var first: [String]?
            for client in clients {
                let events = try cluster.front.events(client)
                #expect(seqs(events) == Array(1...total), "client on node \(client.tag)")
                let order = htmls(events)
                if let first {
                    #expect(order == first, "client on node \(client.tag) saw another order")
                } else {
                    first = order
                }
            }
            let order = try #require(first)
            #expect(order.sorted() == published.joined().sorted(), "\(order)")
            // The sequential publishes came first, in the order they were answered.
            #expect(Array(order.prefix(8)) == Array(published.prefix(4).joined()))
            // Each node's concurrent publishes kept their order among the others'.
            for node in cluster.nodes {
                let ownHTML = order.filter { $0.hasPrefix("node-\(node.tag)-") }
                #expect(ownHTML == (0..<perNode).map { "node-\(node.tag)-\($0)" })
            }
        }

        @Test func inputFromAClientOnAnyNodeReachesEveryClientAtItsLocation() async throws {
            let cluster = try ScaleCluster.current()
            let location = "/fan-in"
            let clients = try cluster.registerOnEveryNode(at: location, perNode: 2, principal: { "typist-\($0)" })
            var senders: [ClusterClient] = []
            for node in cluster.nodes {
                let sender = try #require(clients.first { $0.tag == node.tag })
                let answer = try cluster.front.input(sender, form: "verb=append&id=log&html=<b>from-\(node.tag)</b>")
                #expect(answer.status == 200, "\(answer)")
                #expect(try answer.json().int("delivered") == clients.count, "input through node \(node.tag)")
                senders.append(sender)
            }
            for client in clients {
                let events = try cluster.front.events(client)
                #expect(seqs(events) == [1, 2, 3], "client on node \(client.tag)")
                #expect(htmls(events) == (1...3).map { "&lt;b&gt;from-\($0)&lt;/b&gt;" })
                #expect(events.map { $0.string("from") } == senders.map(\.principal))
            }
        }

        /// PROTOCOL.md: "a publish repeated with the same `id` within 5 minutes is not
        /// delivered again". nginx sends publishes to any node, so a backend's retry can
        /// reach another node than its first attempt (here: node 1, then node 2): the ids
        /// are shared in Redis, and the retry gets the first attempt's answer.
        @Test func aPublishRetriedWithItsIDThroughAnotherNodeIsDeliveredOnce() async throws {
            let cluster = try ScaleCluster.current()
            let location = "/retried"
            let clients = try cluster.registerOnEveryNode(at: location, perNode: 1)
            let publish = #"{"to":{"location":"/retried"},"id":"retry-1","events":[{"verb":"append","id":"log","html":"once"}]}"#
            var answers: [TestHTTPResponse] = []
            for node in [cluster.node(1), cluster.node(2)] {
                answers.append(
                    try node.endpoint.request(
                        "POST", "/livepage/publish",
                        headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(publishKey)")], body: publish
                    ))
            }
            #expect(answers.map(\.status) == [200, 200], "\(answers)")
            #expect(try answers.map { try $0.json().int("delivered") } == [clients.count, clients.count])
            for client in clients {
                let events = try cluster.front.events(client)
                #expect(htmls(events) == ["once"], "client on node \(client.tag)")
            }
        }

        @Test func aDisconnectThroughAnyNodeRemovesThePrincipalsClientsOnEveryNode() async throws {
            let cluster = try ScaleCluster.current()
            let location = "/leaving"
            let bystanders = try cluster.registerOnEveryNode(at: location, perNode: 1, principal: { "stays-\($0)" })
            var leaver: [ClusterClient] = []
            while Set(leaver.map(\.tag)).count < 3, leaver.count < 30 {
                leaver.append(try cluster.front.register(at: location, principal: "leaver"))
            }
            try #require(Set(leaver.map(\.tag)).count == 3, "the leaver's tabs are not on every node: \(leaver.map(\.tag))")

            let answer = try cluster.front.disconnect(#"{"principal":"leaver"}"#)
            #expect(answer.status == 200, "\(answer)")
            #expect(try answer.json().int("disconnected") == leaver.count)
            for client in leaver {
                let response = try cluster.front.poll(client, after: 0)
                expectError(response, 410, reason: "closed")
            }
            #expect(try cluster.front.deliver(["after"], toLocation: location) == bystanders.count)
            for client in bystanders {
                #expect(htmls(try cluster.front.events(client)) == ["after"])
            }
        }
    }
}
