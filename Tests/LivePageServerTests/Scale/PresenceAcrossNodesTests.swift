import LivePageEvents
import LivePageTestSupport
import Testing

extension Scale {
    /// Who is online is the union of every live node's part: each node keeps its part in
    /// Redis and announces its changes, and the others merge them.
    @Suite(.serialized, .timeLimit(.minutes(5)), .requires(.nginx, .redisServer, .redisCLI), .sharedCluster)
    struct PresenceAcrossNodesTests {
        @Test func principalsOnEveryNodeAreListedByOnlineAndPresenceWhereverAsked() async throws {
            let cluster = try ScaleCluster.current()
            let location = "/who"
            let clients = try cluster.registerOnEveryNode(at: location, perNode: 2, principal: { "who-\($0)" })
            let expected = clients.compactMap(\.principal).sorted()

            // /online of a client on each node (nginx sends it home), /presence through
            // nginx and of each node: the same full list.
            var last = ""
            let listed = try await eventually {
                for client in clients {
                    let answer = try cluster.front.online(client)
                    last = "\(answer)"
                    guard answer.status == 200, try answer.json().strings("principals") == expected,
                        try answer.json().int("count") == expected.count
                    else { return false }
                }
                for endpoint in [cluster.front] + cluster.nodes.map(\.endpoint) {
                    let answer = try endpoint.presence(at: location)
                    last = "\(answer)"
                    guard answer.status == 200, try answer.json().strings("principals") == expected else { return false }
                }
                return true
            }
            #expect(listed, "expected \(expected); last answer: \(last)")
        }

        @Test func aJoinOrALeaveOnOneNodeReachesListClientsOnTheOthersAsPresenceEvents() async throws {
            let cluster = try ScaleCluster.current()
            let location = "/room"
            let watchers = try cluster.registerOnEveryNode(at: location, perNode: 1, principal: { "watcher-\($0)" }, presence: "list")
            var after: [ClusterClient: Int] = [:]
            for watcher in watchers {
                let first = try cluster.front.events(watcher)
                #expect(first.first?.string("verb") == "presence", "\(first)")
                after[watcher] = seqs(first).max() ?? 0
            }

            let newcomer = try cluster.front.register(at: location, principal: "newcomer")
            let others = watchers.filter { $0.tag != newcomer.tag }
            try #require(Set(others.map(\.tag)).count == 2)
            for watcher in others {
                var seq = after[watcher] ?? 0
                let received = try await cluster.awaitEvent(of: watcher, after: &seq) {
                    $0.string("verb") == "presence" && $0.strings("joined")?.contains("newcomer") == true
                }
                #expect(received.last?.strings("joined")?.contains("newcomer") == true, "watcher on node \(watcher.tag): \(received)")
                after[watcher] = seq
            }

            #expect(try cluster.front.close(newcomer).status == 204)
            for watcher in others {
                var seq = after[watcher] ?? 0
                let received = try await cluster.awaitEvent(of: watcher, after: &seq) {
                    $0.string("verb") == "presence" && $0.strings("left")?.contains("newcomer") == true
                }
                #expect(received.last?.strings("left")?.contains("newcomer") == true, "watcher on node \(watcher.tag): \(received)")
                #expect(received.last?.strings("principals") == nil, "a change, not the full state: \(received)")
            }
        }
    }
}
