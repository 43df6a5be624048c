import LivePage
import LivePageEvents
import Testing

/// A page that stops polling (a phone that switched apps, a laptop that slept, a page in
/// the back/forward cache) leaves who is online after refresh + grace, but keeps its
/// queue for the resume window: back with its id and `after`, it gets what it missed.
@Suite(.timeLimit(.minutes(1)))
struct ResumeWindowTests {
    @Test func aClientThatStopsPollingLeavesPresenceButKeepsItsQueue() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let dominik = try harness.register("zorg.member.dominik")
        try await harness.send(Remove(id: "a"), to: .everyone)
        #expect(try harness.events(uwe).seqs == [1])
        var dominikPoll = try harness.poll(dominik, after: 1)
        // uwe's page sleeps; dominik's keeps polling.
        for second in stride(from: 20, through: 240, by: 20) {
            harness.advance(to: .seconds(second))
            if !dominikPoll.isParked { dominikPoll = try harness.poll(dominik, after: 1) }
        }
        #expect(harness.online() == #"["zorg.member.dominik"] +0"#)
        #expect(harness.manager.metrics.clientsAway == 1)
        #expect(harness.manager.client(uwe) != nil)
        try await harness.send([Remove(id: "b"), Remove(id: "c")], to: .location("/zorg"))
        harness.advance(to: .seconds(250))
        // Back with its after: what it missed, once, and online again.
        #expect(try harness.events(uwe, after: 1).textForms == ["remove b", "remove c"])
        #expect(harness.online() == #"["zorg.member.dominik", "zorg.member.uwe"] +0"#)
        #expect(harness.manager.metrics.resumes == 1)
        #expect(harness.manager.metrics.clientsAway == 0)
        #expect(harness.manager.metrics.expirations == 0)
    }

    @Test func afterTheWindowTheClientIsExpired() throws {
        let harness = Harness { $0.resumeWindow = .seconds(100) }
        let uwe = try harness.register("zorg.member.uwe")
        let poll = try harness.poll(uwe)
        harness.advance(to: .seconds(25))
        let idleAt = try #require(poll.answeredAt)
        harness.advance(to: idleAt + .seconds(36))
        #expect(harness.online() == "[] +0", "left after refresh + grace")
        harness.advance(to: idleAt + .seconds(99))
        #expect(harness.manager.client(uwe) != nil)
        harness.advance(to: idleAt + .seconds(101))
        #expect(harness.manager.client(uwe) == nil)
        #expect(try harness.answer(uwe).summary == "gone(expired)")
        #expect(harness.manager.metrics.expirations == 1)
        #expect(harness.manager.metrics.clientsAway == 0)
    }

    @Test func aClientThatNeverPolledIsRemovedAfterTheFirstPollTimeoutAsBefore() throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        harness.advance(to: .seconds(121))
        #expect(harness.manager.client(uwe) == nil)
        #expect(harness.manager.goneReason(for: uwe) == .expired)
    }

    @Test func aClientAwayStillCountsTowardTheLimits() throws {
        let harness = Harness { $0.maximumClientsPerPrincipal = 1 }
        let uwe = try harness.register("zorg.member.uwe")
        harness.pollOnceAndStop(uwe)
        harness.advance(to: .seconds(40))
        #expect(harness.online() == "[] +0")
        #expect(throws: ManagerError.tooManyClientsForPrincipal(limit: 1)) { try harness.register("zorg.member.uwe") }
    }

    @Test func anAwayClientIsEvictedOrCompactedLikeAnyOther() async throws {
        let harness = Harness { $0.maximumQueuedEvents = 4 }
        let uwe = try harness.register(nil)
        let dominik = try harness.register(nil)
        harness.pollOnceAndStop(uwe)
        harness.pollOnceAndStop(dominik)
        harness.advance(to: .seconds(40))
        for value in 0..<10 { try await harness.send(Text(id: "n", text: "\(value)"), to: .client(uwe)) }
        for id in ["a", "b", "c", "d", "e"] { try await harness.send(Remove(id: try ElementID(validating: id)), to: .client(dominik)) }
        #expect(try harness.events(uwe).textForms.last == "text n\n9")
        #expect(try harness.answer(dominik).summary == "gone(evicted)")
        #expect(harness.manager.metrics.clientsAway == 0)
    }

    @Test func closingAnAwayClientLeavesPresenceOnlyOnce() throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let other = try harness.register("zorg.member.uwe")
        harness.pollOnceAndStop(uwe)
        var poll = try harness.poll(other)
        for second in stride(from: 20, through: 60, by: 20) {
            harness.advance(to: .seconds(second))
            if !poll.isParked { poll = try harness.poll(other) }
        }
        #expect(harness.online() == #"["zorg.member.uwe"] +0"#)
        harness.manager.close(uwe)
        #expect(harness.online() == #"["zorg.member.uwe"] +0"#, "the other tab is still there")
        harness.manager.close(other)
        #expect(harness.online() == "[] +0")
    }
}

extension Harness {
    /// A page that polls once, then stops (its connection goes away): its countdown to
    /// leaving starts now.
    func pollOnceAndStop(_ id: ClientID) {
        if let ticket = try? poll(id).ticket { manager.cancelPoll(ticket) }
    }
}
