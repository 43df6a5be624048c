import LivePage
import LivePageEvents
import Testing

/// One poll for several clients (the tabs of one browser): one parked request, answered
/// for every member as soon as any has events, counting as each member's poll.
@Suite(.timeLimit(.minutes(1)))
struct MultiPollTests {
    @Test func aSendToOneMemberAnswersThePollForEveryMember() async throws {
        let harness = Harness()
        let tabs = try (0..<3).map { _ in try harness.register(nil) }
        let poll = try harness.poll(tabs)
        #expect(poll.isParked)
        #expect(harness.manager.metrics.parkedPolls == 1, "one parked request, not three")
        try await harness.send(Append(id: "t", html: "x"), to: .client(tabs[1]))
        #expect(poll.summaries == ["idle", "events 1", "idle"])
        #expect(poll.waiterCalls == 1)
        #expect(harness.manager.metrics.parkedPolls == 0)
        #expect(harness.manager.metrics.eventsDelivered == 1)
    }

    /// A send to a location reaches every member in one locked section: one answer holds
    /// everyone's events, rather than the first member's alone and the rest a poll later.
    @Test func oneSendToEveryMemberIsOneAnswer() async throws {
        let harness = Harness()
        let tabs = try (0..<4).map { _ in try harness.register("zorg.member.uwe") }
        let poll = try harness.poll(tabs)
        try await harness.send([Append(id: "t", html: "a"), Append(id: "t", html: "b")], to: .location("/zorg"))
        #expect(poll.summaries == Array(repeating: "events 1,2", count: 4))
    }

    @Test func waitingEventsOrAClientThatCannotBePolledAnswerAtOnce() async throws {
        let harness = Harness()
        let (a, b, c) = (try harness.register(nil), try harness.register(nil), try harness.register(nil))
        try await harness.send(Remove(id: "x"), to: .client(b))
        #expect(try harness.poll([a, b, c]).summaries == ["idle", "events 1", "idle"])
        harness.manager.close(c)
        let unknown = ClientID()
        let answered = try harness.poll([(a, 0), (b, 2), (c, 0), (unknown, 0), (nil, 0)])
        #expect(answered.summaries == ["idle", "after", "gone(closed)", "gone(unknown)", "gone(unknown)"])
        #expect(harness.manager.metrics.parkedPolls == 0)
    }

    @Test func theAftersAreAcknowledgedAsBySinglePolls() async throws {
        let harness = Harness()
        let (a, b) = (try harness.register(nil), try harness.register(nil))
        try await harness.send([Remove(id: "x"), Remove(id: "y")], to: .location("/zorg"))
        #expect(try harness.poll([(a, 1), (b, 0)]).summaries == ["events 2", "events 1,2"])
        #expect(try harness.poll([(a, 0), (b, 2)]).summaries == ["events 2", "idle"], "a lower after counts as the higher one")
    }

    @Test func aPollOfOneMemberSupersedesTheSharedPollForAll() throws {
        let harness = Harness()
        let (a, b) = (try harness.register(nil), try harness.register(nil))
        let shared = try harness.poll([a, b])
        let own = try harness.poll(b)
        #expect(shared.summaries == ["idle", "superseded"])
        #expect(own.isParked)
        // And a shared poll supersedes a single one, and another shared poll.
        let again = try harness.poll([a, b])
        #expect(own.waiterAnswers == ["superseded"])
        let third = try harness.poll([b])
        #expect(again.summaries == ["idle", "superseded"])
        #expect(third.isParked)
        #expect(harness.manager.metrics.parkedPolls == 1)
    }

    @Test func aMemberClosedOrEvictedAnswersThePoll() async throws {
        let harness = Harness { $0.maximumQueuedEvents = 2 }
        let (a, b, c) = (try harness.register(nil), try harness.register(nil), try harness.register(nil))
        let first = try harness.poll([a, b, c])
        harness.manager.close(b)
        #expect(first.summaries == ["idle", "gone(closed)", "idle"])
        try await harness.send([Remove(id: "x"), Remove(id: "y")], to: .client(c))
        let second = try harness.poll([(a, 0), (c, 2)])
        try await harness.send(Remove(id: "z"), to: .location("/zorg"))
        try await harness.send([Remove(id: "v"), Remove(id: "w")], to: .client(c))
        #expect(second.summaries == ["events 1", "events 3"])
        #expect(try harness.answer(c, after: 2).summary == "gone(evicted)")
    }

    @Test func theHoldTimeAnswersIdleAndEachMemberThenCountsDownToExpiry() throws {
        let harness = Harness { $0.resumeWindow = .zero }
        let (a, b) = (try harness.register(nil), try harness.register(nil))
        harness.advance(to: .seconds(100))
        let poll = try harness.poll([a, b])
        harness.advance(to: .milliseconds(122_400))
        #expect(poll.isParked, "held at least 0.9 × refresh")
        harness.advance(to: .seconds(125))
        #expect(poll.summaries == ["idle", "idle"])
        // Online for refresh + grace after the answer, then expired: the first-poll
        // timeout (120 s) no longer applies.
        harness.advance(to: .seconds(155))
        #expect(harness.manager.client(a) != nil && harness.manager.client(b) != nil)
        harness.advance(to: .seconds(161))
        #expect(harness.manager.client(a) == nil && harness.manager.client(b) == nil)
    }

    @Test func aParkedPollKeepsEveryMemberOnline() throws {
        let harness = Harness { $0.resumeWindow = .zero }
        let (a, b) = (try harness.register("zorg.member.uwe"), try harness.register("zorg.member.dominik"))
        var poll = try harness.poll([a, b])
        for second in stride(from: 20, through: 400, by: 20) {
            harness.advance(to: .seconds(second))
            if !poll.isParked { poll = try harness.poll([a, b]) }
        }
        #expect(harness.online() == #"["zorg.member.dominik", "zorg.member.uwe"] +0"#)
    }

    @Test func aCancelledPollIsForgottenWithoutAnAnswer() async throws {
        let harness = Harness()
        let (a, b) = (try harness.register(nil), try harness.register(nil))
        let poll = try harness.poll([a, b])
        harness.manager.cancelPoll(try #require(poll.ticket))
        #expect(harness.manager.metrics.parkedPolls == 0)
        try await harness.send(Remove(id: "x"), to: .client(a))
        #expect(poll.waiterCalls == 0)
        #expect(try harness.events(a).seqs == [1])
    }

    @Test func noClientTooManyOrOneTwiceIsRefused() throws {
        let harness = Harness { $0.maximumClientsPerPoll = 3 }
        let tabs = try (0..<4).map { _ in try harness.register(nil) }
        #expect(throws: ManagerError.invalidMultiPoll("must name 1 to 3 clients")) { try harness.poll([ClientID]()) }
        #expect(throws: ManagerError.invalidMultiPoll("must name 1 to 3 clients")) { try harness.poll(tabs) }
        #expect(throws: ManagerError.invalidMultiPoll("must name each client once")) { try harness.poll([tabs[0], tabs[1], tabs[0]]) }
        #expect(ManagerError.invalidMultiPoll("x").status == 400)
    }

    @Test func eachMembersEventsObeyTheBatchLimits() async throws {
        let harness = Harness { $0.maximumBatchEvents = 2 }
        let (a, b) = (try harness.register(nil), try harness.register(nil))
        try await harness.send([Remove(id: "x"), Remove(id: "y"), Remove(id: "z")], to: .location("/zorg"))
        #expect(try harness.poll([a, b]).summaries == ["events 1,2", "events 1,2"])
        #expect(try harness.poll([(a, 2), (b, 2)]).summaries == ["events 3", "events 3"])
    }

    @Test func shuttingDownAnswersTheWholePoll() throws {
        let harness = Harness()
        let (a, b) = (try harness.register(nil), try harness.register(nil))
        let poll = try harness.poll([a, b])
        harness.manager.shutDown()
        #expect(poll.summaries == ["shuttingDown"])
        #expect(try harness.poll([a, b]).summaries == ["shuttingDown"])
    }
}
