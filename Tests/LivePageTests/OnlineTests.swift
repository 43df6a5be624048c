import LivePage
import LivePageEvents
import Testing

/// Who is online, and how a client stops being online: expiry, close, and the reason a
/// later poll is told.
@Suite(.timeLimit(.minutes(1)))
struct OnlineTests {
    @Test func listsSortedUniquePrincipalsAndCountsAnonymousClients() throws {
        let harness = Harness()
        try harness.register("zorg.member.uwe")
        try harness.register("alice")
        try harness.register("zorg.member.uwe")
        try harness.register(nil)
        try harness.register("Bob")
        try harness.register(nil)
        try harness.register("zorg.member.uwe", at: "/elsewhere")
        let online = harness.manager.online(at: "/zorg")
        #expect(online.location == "/zorg")
        #expect(online.principals == ["Bob", "alice", "zorg.member.uwe"])
        #expect(online.count == 3)
        #expect(online.anonymous == 2)
        #expect(harness.online(at: "/elsewhere") == #"["zorg.member.uwe"] +0"#)
    }

    @Test func aLocationWithNobodyIsEmpty() throws {
        let harness = Harness()
        let online = harness.manager.online(at: "/nobody/here")
        #expect(online.location == "/nobody/here")
        #expect(online.principals == [])
        #expect(online.count == 0)
        #expect(online.anonymous == 0)
    }

    @Test func severalTabsOfOnePrincipalCountOnceAndLeaveWithTheLast() throws {
        let harness = Harness()
        let first = try harness.register("zorg.member.uwe")
        let second = try harness.register("zorg.member.uwe")
        #expect(harness.online() == #"["zorg.member.uwe"] +0"#)
        harness.manager.close(first)
        #expect(harness.online() == #"["zorg.member.uwe"] +0"#)
        harness.manager.close(second)
        #expect(harness.online() == "[] +0")
    }

    @Test func knowsWhatItWasToldOfAClient() throws {
        let harness = Harness()
        let registration = try harness.manager.register(at: "/chat", principal: "alice", presence: .count)
        let info = try #require(harness.manager.client(registration.client.id))
        #expect(info == registration.client)
        #expect(info.location == "/chat")
        #expect(info.principal == "alice")
        #expect(info.presence == .count)
    }

    // MARK: Expiry

    /// Without a resume window (at most refresh + grace) a client that stops polling is
    /// removed when it leaves who is online; ResumeWindowTests cover the window.
    @Test func expiresAfterRefreshPlusGraceWithoutAPoll() async throws {
        let harness = Harness { $0.resumeWindow = .zero }
        let uwe = try harness.register("zorg.member.uwe")
        let dominik = try harness.register("zorg.member.dominik")
        try await harness.send(Remove(id: "a"), to: .everyone)
        harness.advance(to: .seconds(10))
        _ = try harness.events(uwe)
        _ = try harness.events(dominik)
        harness.advance(to: .seconds(30))
        _ = try harness.events(dominik)
        harness.advance(to: .milliseconds(44_999))
        #expect(harness.online() == #"["zorg.member.dominik", "zorg.member.uwe"] +0"#)
        harness.advance(to: .seconds(45))
        #expect(harness.online() == #"["zorg.member.dominik"] +0"#)
        #expect(harness.manager.client(uwe) == nil)
        #expect(try harness.answer(uwe).summary == "gone(expired)")
        #expect(harness.manager.goneReason(for: uwe) == .expired)
        #expect(harness.manager.metrics.expirations == 1)
        harness.advance(to: .seconds(65))
        #expect(harness.manager.client(dominik) == nil)
        #expect(harness.manager.metrics.expirations == 2)
    }

    @Test func theCountdownStartsWhenAnIdleAnswerEndsThePoll() throws {
        let harness = Harness { $0.resumeWindow = .zero }
        let uwe = try harness.register("zorg.member.uwe")
        let poll = try harness.poll(uwe)
        harness.advance(to: .seconds(25))
        let idleAt = try #require(poll.answeredAt)
        harness.advance(to: idleAt + .seconds(35) - .milliseconds(1))
        #expect(harness.manager.client(uwe) != nil)
        harness.advance(to: idleAt + .seconds(36))
        #expect(harness.manager.client(uwe) == nil)
    }

    @Test func theGraceIsConfigurable() throws {
        let harness = Harness {
            $0.refresh = .seconds(2)
            $0.grace = .seconds(1)
            $0.expiryCheckInterval = .milliseconds(100)
            $0.resumeWindow = .zero
        }
        let uwe = try harness.register("zorg.member.uwe")
        let poll = try harness.poll(uwe)
        harness.manager.cancelPoll(try #require(poll.ticket))
        harness.advance(to: .milliseconds(2_900))
        #expect(harness.manager.client(uwe) != nil)
        harness.advance(to: .seconds(3))
        #expect(harness.manager.client(uwe) == nil)
    }

    @Test func aClientThatNeverPolledHas120Seconds() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        // Events sent to it do not count as polls.
        try await harness.send(Remove(id: "a"), to: .client(uwe))
        harness.advance(to: .milliseconds(119_999))
        #expect(harness.manager.client(uwe) != nil)
        harness.advance(to: .seconds(120))
        #expect(harness.manager.client(uwe) == nil)
        #expect(try harness.answer(uwe).summary == "gone(expired)")
    }

    @Test func aParkedClientDoesNotExpire() throws {
        let harness = Harness { $0.firstPollTimeout = .seconds(5) }
        let uwe = try harness.register("zorg.member.uwe")
        harness.advance(to: .seconds(4))
        let poll = try harness.poll(uwe)
        harness.advance(to: .seconds(26))
        #expect(poll.isParked)
        #expect(harness.manager.client(uwe) != nil, "parked past the first-poll timeout")
        harness.advance(to: .seconds(29))
        #expect(poll.waiterAnswers == ["idle"])
        #expect(harness.manager.client(uwe) != nil, "online for refresh + grace after the idle answer")
    }

    /// A page that polls again at once after each answer stays online for good.
    @Test func aPollingClientStaysOnline() throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        for _ in 0..<20 {
            let poll = try harness.poll(uwe)
            harness.advance(by: .seconds(25))
            #expect(poll.waiterAnswers == ["idle"])
        }
        #expect(harness.clock.now == .seconds(500))
        #expect(harness.manager.client(uwe) != nil)
    }

    // MARK: Close

    @Test func closeRemovesAtOnceAndAnswersAParkedPoll() throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        try harness.register("zorg.member.dominik")
        let poll = try harness.poll(uwe)
        harness.manager.close(uwe)
        #expect(poll.waiterAnswers == ["gone(closed)"])
        #expect(harness.manager.client(uwe) == nil)
        #expect(harness.online() == #"["zorg.member.dominik"] +0"#)
        #expect(harness.manager.metrics.parkedPolls == 0)
        #expect(harness.manager.metrics.clients == 1)
        #expect(try harness.answer(uwe).summary == "gone(closed)")
        harness.advance(by: .seconds(60))
        #expect(poll.waiterAnswers == ["gone(closed)"])
    }

    @Test func closingAnUnknownOrClosedClientDoesNothing() throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        harness.manager.close(ClientID())
        #expect(harness.manager.client(uwe) != nil)
        harness.manager.close(uwe)
        harness.manager.close(uwe)
        #expect(try harness.answer(uwe).summary == "gone(closed)")
    }

    @Test func theLastClientToGoRemovesItsLocation() throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe", at: "/a")
        try harness.register("zorg.member.uwe", at: "/b")
        #expect(harness.manager.metrics.locations == 2)
        harness.manager.close(uwe)
        #expect(harness.manager.metrics.locations == 1)
    }

    // MARK: Gone reasons

    @Test func aLaterPollIsToldWhyItsClientWent() async throws {
        let harness = Harness { $0.maximumQueuedEvents = 1 }
        let expired = try harness.register("a")
        harness.advance(to: .seconds(100))
        let closed = try harness.register("b")
        let evicted = try harness.register("c")
        harness.manager.close(closed)
        try await harness.send(Remove(id: "x"), to: .client(evicted))
        try await harness.send(Remove(id: "y"), to: .client(evicted))
        harness.advance(to: .seconds(121))
        #expect(try harness.answer(expired).summary == "gone(expired)")
        #expect(try harness.answer(closed).summary == "gone(closed)")
        #expect(try harness.answer(evicted).summary == "gone(evicted)")
        #expect(try harness.answer(ClientID()).summary == "gone(unknown)")
        await #expect(throws: ManagerError.clientGone(.evicted)) { try await harness.manager.output(for: evicted) }
        await #expect(throws: ManagerError.clientGone(.expired)) { try await harness.manager.output(for: expired) }
    }

    @Test func onlyTheMostRecentGoneClientsAreRemembered() throws {
        let harness = Harness { $0.rememberedGoneClients = 2 }
        let ids = try (0..<3).map { _ in try harness.register(nil) }
        for id in ids { harness.manager.close(id) }
        #expect(try harness.answer(ids[0]).summary == "gone(unknown)")
        #expect(try harness.answer(ids[1]).summary == "gone(closed)")
        #expect(try harness.answer(ids[2]).summary == "gone(closed)")
    }

    @Test func aRegisteredClientIsNotGone() throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        #expect(harness.manager.goneReason(for: uwe) == .unknown)
    }
}
