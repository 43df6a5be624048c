import LivePage
import LivePageEvents
import Testing

/// ``ClientManager/statistics(topLocations:)``: the figures the admin page shows.
@Suite(.timeLimit(.minutes(1)))
struct StatisticsTests {
    @Test func countsClientsByLocationAndListsTheBusiestFirst() throws {
        let harness = Harness()
        for _ in 0..<3 { try harness.register(nil, at: "/busy") }
        try harness.register("alice", at: "/busy")
        try harness.register("alice", at: "/busy")
        try harness.register("bob", at: "/quiet")
        try harness.register(nil, at: "/b-tie")
        try harness.register(nil, at: "/a-tie")
        let statistics = harness.manager.statistics(topLocations: 3)
        #expect(statistics.metrics.clients == 8)
        #expect(statistics.metrics.locations == 4)
        // "location: clients (principals + anonymous)"
        #expect(
            statistics.topLocations.map { "\($0.location): \($0.clients) (\($0.principals) + \($0.anonymous))" } == [
                "/busy: 5 (1 + 3)", "/a-tie: 1 (0 + 1)", "/b-tie: 1 (0 + 1)",
            ])
        #expect(harness.manager.statistics(topLocations: 0).topLocations == [])
    }

    @Test func sumsWhatClientsHaveQueuedAndNotAcknowledged() async throws {
        let harness = Harness()
        let first = try harness.register(nil, at: "/log")
        try harness.register(nil, at: "/log")
        #expect(harness.manager.statistics().queuedEvents == 0)
        try await harness.send([Append(id: "log", html: "a"), Append(id: "log", html: "b")], to: .location("/log"))
        let queued = harness.manager.statistics()
        #expect(queued.queuedEvents == 4)
        #expect(queued.queuedBytes > 0)
        // The first client acknowledges both; the second has not polled yet.
        let poll = try harness.poll(first, after: 2)
        if let ticket = poll.ticket { harness.manager.cancelPoll(ticket) }
        #expect(harness.manager.statistics().queuedEvents == 2)
        #expect(harness.manager.statistics().queuedBytes == queued.queuedBytes / 2)
    }

    /// More clients than one critical section reads are all counted.
    @Test func readsEveryClientInSlices() throws {
        let harness = Harness { $0.maximumAnonymousClients = 5000 }
        let count = ClientManagerSlice.size * 2 + 17
        for index in 0..<count { try harness.register(nil, at: "/room-\(index % 3)") }
        let statistics = harness.manager.statistics(topLocations: 5)
        #expect(statistics.topLocations.map(\.clients).reduce(0, +) == count)
        #expect(statistics.topLocations.count == 3)
    }
}

/// The slice size of ``ClientManager/statistics(topLocations:)``, known to these tests.
private enum ClientManagerSlice {
    static let size = 1024
}
