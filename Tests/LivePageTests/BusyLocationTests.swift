import LivePage
import LivePageEvents
import Testing

/// Who is online at a location of tens of thousands, kept one change at a time (red team:
/// each join rebuilt the sorted list under the lock; 1,000 joins took 11 s, then minutes).
@Suite(.timeLimit(.minutes(2)))
struct BusyLocationTests {
    func presence(_ harness: Harness, _ id: ClientID, after: UInt64) throws -> [String] {
        try harness.events(id, after: after).textForms
    }

    @Test func fiftyThousandPrincipalsJoinOneLocationAndPresenceClientsHearOnlyTotals() throws {
        let harness = Harness { $0.maximumClients = 200_000 }
        let lister = try harness.register("lister", at: "/busy", presence: .list)
        let counter = try harness.register(nil, at: "/busy", presence: .count)
        let bystander = try harness.register("bystander", at: "/busy")
        for index in 0..<50_000 {
            try harness.register("user-\(index)", at: "/busy")
            if index % 1_000 == 0 { harness.advance(by: .milliseconds(100)) }
        }
        harness.advance(by: .milliseconds(100))
        let online = harness.manager.online(at: "/busy")
        #expect(online.count == 50_002 && online.anonymous == 1)
        #expect(!online.isListed && online.principals.isEmpty, "above the list limit, no list")
        let counts = try harness.events(counter).textForms
        #expect(counts.last == "presence\n/busy: 50002 + 1 anonymous")
        #expect(counts.count <= 52, "one event per flush, not per join: \(counts.count)")
        let lists = try harness.events(lister).textForms
        #expect(lists.first == "presence\n/busy: [lister] 1 + 0 anonymous")
        #expect(lists.last == "presence\n/busy: 50002 + 1 anonymous")
        #expect(try harness.poll(bystander).isParked, "a client without presence hears nothing")
    }

    @Test func aListClientFarBehindInItsIntervalGetsTheFullStateInsteadOfAReplay() throws {
        let harness = Harness()
        let early = try harness.register("early", presence: .list)
        harness.advance(to: .milliseconds(10))
        try harness.register("a")
        let late = try harness.register("late", presence: .list)
        harness.advance(to: .milliseconds(20))
        for index in 0..<70 { try harness.register("user-\(index)") }
        harness.advance(to: .milliseconds(100))
        let lateEvents = try presence(harness, late, after: 0)
        #expect(lateEvents.count == 2)
        #expect(lateEvents.last?.hasPrefix("presence\n/zorg: [a, early, late, user-0, user-1, user-10,") == true, "the full state: \(lateEvents)")
        let earlyEvents = try presence(harness, early, after: 0)
        #expect(earlyEvents.last?.hasPrefix("presence\n/zorg: +[a, late, user-0,") == true, "the change: \(earlyEvents)")
    }

    @Test func aListClientRegisteredMidIntervalHearsOnlyWhatCameAfterIt() throws {
        let harness = Harness()
        let watcher = try harness.register("w", presence: .list)
        harness.advance(to: .milliseconds(10))
        try harness.register("a")
        let b = try harness.register("b")
        let late = try harness.register("late", presence: .list)
        harness.manager.close(b)
        try harness.register("c")
        harness.advance(to: .milliseconds(100))
        #expect(
            try presence(harness, late, after: 0) == [
                "presence\n/zorg: [a, b, late, w] 4 + 0 anonymous", "presence\n/zorg: +[c] -[b] 4 + 0 anonymous",
            ])
        #expect(try presence(harness, watcher, after: 0).last == "presence\n/zorg: +[a, c, late] -[] 4 + 0 anonymous")
    }

    @Test func otherServersPartsMergeOneChangeAtATime() throws {
        let harness = Harness()
        let watcher = try harness.register("local", presence: .list)
        harness.advance(to: .milliseconds(100))
        harness.manager.setRemotePresence(PresencePart(principals: ["local", "r1", "r2"], anonymous: 2), at: "/zorg")
        harness.advance(to: .milliseconds(200))
        harness.manager.setRemotePresence(PresencePart(principals: ["r2", "r3"], anonymous: 0), at: "/zorg")
        harness.advance(to: .milliseconds(300))
        #expect(
            try presence(harness, watcher, after: 1) == [
                "presence\n/zorg: +[r1, r2] -[] 3 + 2 anonymous", "presence\n/zorg: +[r3] -[r1] 3 + 0 anonymous",
            ])
        #expect(harness.online() == "[\"local\", \"r2\", \"r3\"] +0")
        harness.manager.close(watcher)
        #expect(harness.online() == "[\"r2\", \"r3\"] +0", "the remote part stays when the last local client goes")
    }

    /// Red team: during a Redis outage, polls answered 503 did not keep clients alive, so
    /// they came back `410 expired` instead of `evicted` when the link returned.
    @Test func pollsAnswered503WhileOutputIsSuspendedKeepTheirClientsAlive() throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        harness.manager.suspendOutput()
        for second in stride(from: 10, through: 120, by: 10) {
            harness.advance(to: .seconds(second))
            #expect(try harness.answer(uwe).summary == "unavailable")
        }
        harness.manager.dropAllClients(reason: .evicted)
        harness.manager.resumeOutput()
        #expect(try harness.answer(uwe).summary == "gone(evicted)")
    }
}
