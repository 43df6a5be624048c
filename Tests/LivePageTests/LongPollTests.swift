import LivePage
import LivePageEvents
import Testing

/// The long-poll: answered at once, parked until an event or the hold time, taken over
/// by a newer poll, or cancelled without a trace; and the size of one answer.
@Suite(.timeLimit(.minutes(1)))
struct LongPollTests {
    @Test func answersAtOnceWhenEventsAreQueued() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        try await harness.send(Append(id: "t", html: "x"), to: .client(uwe))
        let poll = try harness.poll(uwe)
        #expect(poll.immediateAnswer?.summary == "events 1")
        #expect(poll.ticket == nil)
        #expect(harness.manager.metrics.parkedPolls == 0)
    }

    @Test func parksAndIsAnsweredWhenAnEventArrives() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let poll = try harness.poll(uwe)
        #expect(poll.isParked)
        #expect(harness.manager.metrics.parkedPolls == 1)
        harness.advance(by: .seconds(20))
        #expect(poll.isParked)
        #expect(try await harness.send(Append(id: "t", html: "<p>42</p>"), to: .location("/zorg")) == 1)
        #expect(poll.waiterAnswers == ["events 1"])
        #expect(poll.batch?.textForms == ["append t\n<p>42</p>"])
        #expect(harness.manager.metrics.parkedPolls == 0)
        // Answered once: the hold time passing later calls the waiter no more.
        harness.advance(by: .seconds(30))
        #expect(poll.waiterAnswers == ["events 1"])
    }

    @Test func theAsyncOutputParksAndIsAnsweredWhenAnEventArrives() async throws {
        let harness = Harness()
        let manager = harness.manager
        let uwe = try harness.register("zorg.member.uwe")
        let output = Task { try await manager.output(for: uwe, after: 0) }
        try await waitUntil("the output parks") { manager.metrics.parkedPolls == 1 }
        #expect(try await harness.send(Append(id: "target", html: "<p>42</p>"), to: .client(uwe)) == 1)
        let batch = try await output.value
        #expect(batch.seqs == [1])
        #expect(batch.textForms == ["append target\n<p>42</p>"])
        #expect(manager.metrics.parkedPolls == 0)
    }

    @Test func isAnsweredIdleAfterTheHoldTimeButNotBefore() throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let poll = try harness.poll(uwe)
        harness.advance(to: .milliseconds(22_499))
        #expect(poll.isParked, "not answered before 0.9 × refresh")
        harness.advance(to: .seconds(25))
        #expect(poll.waiterAnswers == ["idle"])
        #expect(poll.batch?.jsonText == #"{"events":[]}"#)
        let answeredAt = try #require(poll.answeredAt)
        #expect(answeredAt >= .milliseconds(22_500) && answeredAt <= .seconds(25))
        #expect(harness.manager.metrics.parkedPolls == 0)
    }

    @Test func theHoldTimeFollowsTheConfiguredRefresh() throws {
        let harness = Harness { $0.refresh = .milliseconds(1000) }
        let uwe = try harness.register("zorg.member.uwe")
        let poll = try harness.poll(uwe)
        harness.advance(to: .milliseconds(899))
        #expect(poll.isParked)
        harness.advance(to: .milliseconds(1000))
        #expect(poll.waiterAnswers == ["idle"])
    }

    /// Clients registered together do not all come back in the same instant: their idle
    /// answers come on many of the 50 ms ticks between 0.9 and 1.0 × refresh. (40 polls
    /// over 49 ticks land on about 28 distinct ones; under 15 is a one-in-a-billion draw.)
    @Test func holdTimesAreSpreadAtRandom() throws {
        let harness = Harness()
        let polls = try (0..<40).map { _ in try harness.poll(try harness.register(nil)) }
        harness.advance(by: .seconds(25))
        #expect(polls.allSatisfy { $0.waiterAnswers == ["idle"] })
        let times = polls.compactMap(\.answeredAt)
        #expect(times.allSatisfy { $0 >= .milliseconds(22_500) && $0 <= .seconds(25) })
        #expect(Set(times).count >= 15, "\(Set(times).count) distinct hold times")
        #expect(try #require(times.max()) - #require(times.min()) >= .milliseconds(1500))
    }

    @Test func theAsyncOutputReturnsAnEmptyBatchWhenIdle() async throws {
        let harness = Harness()
        let manager = harness.manager
        let uwe = try harness.register("zorg.member.uwe")
        let output = Task { try await manager.output(for: uwe) }
        try await waitUntil("the output parks") { manager.metrics.parkedPolls == 1 }
        harness.advance(by: .seconds(25))
        #expect(try await output.value.isEmpty)
    }

    // MARK: Superseded

    @Test func aNewerPollAnswersTheParkedOneSuperseded() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let older = try harness.poll(uwe)
        let newer = try harness.poll(uwe)
        #expect(older.waiterAnswers == ["superseded"])
        #expect(newer.isParked)
        #expect(harness.manager.metrics.parkedPolls == 1)
        try await harness.send(Append(id: "t", html: "x"), to: .client(uwe))
        #expect(newer.waiterAnswers == ["events 1"])
        #expect(older.waiterAnswers == ["superseded"])
    }

    @Test func theSupersededAsyncOutputThrows() async throws {
        let harness = Harness()
        let manager = harness.manager
        let uwe = try harness.register("zorg.member.uwe")
        let older = Task { try await manager.output(for: uwe) }
        try await waitUntil("the output parks") { manager.metrics.parkedPolls == 1 }
        let newer = try harness.poll(uwe)
        let error = await #expect(throws: ManagerError.superseded) { try await older.value }
        #expect(error?.status == 409)
        #expect(newer.isParked)
    }

    /// The superseded request's connection going away afterwards must not cancel the
    /// request that took over.
    @Test func cancellingASupersededTicketLeavesTheNewerPollParked() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let older = try harness.poll(uwe)
        let newer = try harness.poll(uwe)
        harness.manager.cancelPoll(try #require(older.ticket))
        #expect(newer.isParked)
        #expect(harness.manager.metrics.parkedPolls == 1)
        try await harness.send(Append(id: "t", html: "x"), to: .client(uwe))
        #expect(newer.waiterAnswers == ["events 1"])
    }

    // MARK: Cancelled

    @Test func aCancelledPollLeavesNothingBehind() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let timers = harness.clock.scheduledTimerCount
        let poll = try harness.poll(uwe)
        #expect(harness.clock.scheduledTimerCount == timers + 1)
        harness.manager.cancelPoll(try #require(poll.ticket))
        #expect(harness.manager.metrics.parkedPolls == 0)
        harness.advance(by: .milliseconds(100))
        #expect(harness.clock.scheduledTimerCount == timers, "the hold wheel stops ticking once empty")
        // A later event is not given to the forgotten waiter, but stays queued.
        #expect(try await harness.send(Append(id: "t", html: "x"), to: .client(uwe)) == 1)
        harness.advance(by: .seconds(30))
        #expect(poll.waiterAnswers == [])
        #expect(try harness.events(uwe).seqs == [1])
    }

    @Test func aCancelledPollStartsTheExpiryCountdown() throws {
        let harness = Harness { $0.resumeWindow = .zero }
        let uwe = try harness.register("zorg.member.uwe")
        harness.advance(to: .seconds(100))
        let poll = try harness.poll(uwe)
        harness.advance(to: .seconds(110))
        harness.manager.cancelPoll(try #require(poll.ticket))
        harness.advance(to: .milliseconds(144_999))
        #expect(harness.manager.client(uwe) != nil, "online until refresh + grace after the cancel")
        harness.advance(to: .seconds(145))
        #expect(harness.manager.client(uwe) == nil)
        #expect(try harness.answer(uwe).summary == "gone(expired)")
    }

    @Test func aCancelledAsyncOutputLeavesNothingBehind() async throws {
        let harness = Harness()
        let manager = harness.manager
        let uwe = try harness.register("zorg.member.uwe")
        let timers = harness.clock.scheduledTimerCount
        let output = Task { try await manager.output(for: uwe) }
        try await waitUntil("the output parks") { manager.metrics.parkedPolls == 1 }
        output.cancel()
        await #expect(throws: CancellationError.self) { try await output.value }
        #expect(manager.metrics.parkedPolls == 0)
        harness.advance(by: .milliseconds(100))
        #expect(harness.clock.scheduledTimerCount == timers, "the hold wheel stops ticking once empty")
        #expect(try await harness.send(Append(id: "t", html: "x"), to: .client(uwe)) == 1)
        harness.advance(by: .seconds(30))
        #expect(try harness.events(uwe).seqs == [1])
    }

    @Test func aCancelledAsyncOutputStartsTheExpiryCountdown() async throws {
        let harness = Harness { $0.resumeWindow = .zero }
        let manager = harness.manager
        let uwe = try harness.register("zorg.member.uwe")
        let output = Task { try await manager.output(for: uwe) }
        try await waitUntil("the output parks") { manager.metrics.parkedPolls == 1 }
        harness.advance(to: .seconds(5))
        output.cancel()
        await #expect(throws: CancellationError.self) { try await output.value }
        harness.advance(to: .milliseconds(39_999))
        #expect(manager.client(uwe) != nil, "online until refresh + grace after the cancel")
        harness.advance(to: .seconds(40))
        #expect(manager.client(uwe) == nil)
        #expect(try harness.answer(uwe).summary == "gone(expired)")
    }

    @Test func anAsyncOutputCancelledBeforeItPollsNeverParks() async throws {
        let harness = Harness()
        let manager = harness.manager
        let uwe = try harness.register("zorg.member.uwe")
        let output = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await manager.output(for: uwe)
        }
        await #expect(throws: CancellationError.self) { try await output.value }
        #expect(manager.metrics.parkedPolls == 0)
        #expect(try await harness.send(Append(id: "t", html: "x"), to: .client(uwe)) == 1)
        #expect(try harness.events(uwe).seqs == [1])
    }

    @Test func cancellingAnAnsweredPollDoesNothing() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let answered = try harness.poll(uwe)
        try await harness.send(Append(id: "t", html: "x"), to: .client(uwe))
        let parked = try harness.poll(uwe, after: 1)
        harness.manager.cancelPoll(try #require(answered.ticket))
        #expect(parked.isParked)
        #expect(answered.waiterAnswers == ["events 1"])
    }

    // MARK: Batches

    @Test func aBatchHoldsAtMost256Events() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let events: [any Event] = (1...300).map { Text(id: "n", text: "\($0)") }
        #expect(try await harness.manager.send(events, to: .client(uwe)) == 300)
        let first = try harness.events(uwe)
        #expect(first.seqs == Array(1...256))
        #expect(try harness.events(uwe, after: 256).seqs == Array(257...300))
    }

    @Test func aBatchHoldsAtMost256KiBOfJSON() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let html = String(repeating: "x", count: 100 << 10)
        for _ in 1...5 { try await harness.send(Update(id: "big", html: html), to: .client(uwe)) }
        let first = try harness.events(uwe)
        #expect(first.seqs == [1, 2])
        #expect(first.jsonBytes().count <= 256 << 10)
        #expect(try harness.events(uwe, after: 2).seqs == [3, 4])
        #expect(try harness.events(uwe, after: 4).seqs == [5])
    }

    @Test func aBatchHoldsOneEventLargerThanItsLimit() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        try await harness.send(Update(id: "big", html: String(repeating: "x", count: 300 << 10)), to: .client(uwe))
        try await harness.send(Remove(id: "small"), to: .client(uwe))
        let first = try harness.events(uwe)
        #expect(first.seqs == [1])
        #expect(first.jsonBytes().count > 300 << 10)
        #expect(try harness.events(uwe, after: 1).textForms == ["remove small"])
    }

    @Test func theBatchLimitsAreConfigurable() async throws {
        let harness = Harness { $0.maximumBatchEvents = 2 }
        let uwe = try harness.register("zorg.member.uwe")
        try await harness.send([Remove(id: "a"), Remove(id: "b"), Remove(id: "c")], to: .client(uwe))
        #expect(try harness.events(uwe).seqs == [1, 2])
        #expect(try harness.events(uwe, after: 2).seqs == [3])
    }

    @Test func aParkedPollIsAnsweredWithOneBatch() async throws {
        let harness = Harness { $0.maximumBatchEvents = 2 }
        let uwe = try harness.register("zorg.member.uwe")
        let poll = try harness.poll(uwe)
        try await harness.send([Remove(id: "a"), Remove(id: "b"), Remove(id: "c")], to: .client(uwe))
        #expect(poll.waiterAnswers == ["events 1,2"])
        #expect(try harness.events(uwe, after: 2).seqs == [3])
    }

    /// A page told a refresh shorter than the server's would give up on polls the server
    /// still holds, so a fractional refresh is rounded up.
    @Test(arguments: [(Duration.seconds(25), 25), (.milliseconds(1500), 2), (.milliseconds(1001), 2), (.seconds(1), 1)])
    func theRefreshAPageIsToldIsRoundedUpToWholeSeconds(refresh: Duration, told: Int) throws {
        let harness = Harness { $0.refresh = refresh }
        #expect(try harness.manager.register(at: "/zorg", principal: nil).refresh == told)
    }
}
