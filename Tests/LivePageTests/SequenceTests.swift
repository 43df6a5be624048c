import LivePageEvents
import Testing

@testable import LivePage

/// Seq numbers without gaps, and `after`, which acknowledges: nothing above the highest
/// `after` received is ever lost, nothing at or below it is sent again.
@Suite(.timeLimit(.minutes(1)))
struct SequenceTests {
    @Test func seqsCountFromOneWithoutGaps() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        for n in 1...5 {
            #expect(try await harness.send(Text(id: "n", text: "\(n)"), to: .client(uwe)) == 1)
        }
        let batch = try harness.events(uwe)
        #expect(batch.seqs == [1, 2, 3, 4, 5])
        #expect(batch.textForms == (1...5).map { "text n\n\($0)" })
    }

    @Test func oneSendGivesItsEventsConsecutiveSeqsInOrder() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let dominik = try harness.register("zorg.member.dominik")
        try await harness.send(Remove(id: "a"), to: .client(uwe))
        let delivered = try await harness.manager.send(
            [Append(id: "log", html: "1"), Update(id: "count", html: "2"), Remove(id: "spinner")],
            to: .location("/zorg")
        )
        #expect(delivered == 6)
        #expect(try harness.events(uwe).textForms == ["remove a", "append log\n1", "update count\n2", "remove spinner"])
        #expect(try harness.events(uwe).seqs == [1, 2, 3, 4])
        #expect(try harness.events(dominik).seqs == [1, 2, 3])
        #expect(try harness.events(dominik).textForms == ["append log\n1", "update count\n2", "remove spinner"])
    }

    /// Presence events take their seqs from the same sequence as every other event.
    @Test func presenceEventsTakeSeqsToo() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe", presence: .list)
        try await harness.send(Append(id: "log", html: "a"), to: .client(uwe))
        harness.advance(by: .milliseconds(100))
        try harness.register("zorg.member.dominik")
        harness.advance(by: .milliseconds(100))
        try await harness.send(Append(id: "log", html: "b"), to: .client(uwe))
        let batch = try harness.events(uwe)
        #expect(batch.seqs == [1, 2, 3, 4])
        #expect(
            batch.textForms == [
                "presence\n/zorg: [zorg.member.uwe] 1 + 0 anonymous", "append log\na",
                "presence\n/zorg: +[zorg.member.dominik] -[] 2 + 0 anonymous", "append log\nb",
            ])
    }

    @Test func afterDropsEventsAtOrBelowIt() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        for n in 1...5 { try await harness.send(Text(id: "n", text: "\(n)"), to: .client(uwe)) }
        #expect(try harness.events(uwe, after: 3).seqs == [4, 5])
        #expect(try harness.events(uwe, after: 3).seqs == [4, 5])
        #expect(try harness.events(uwe, after: 4).seqs == [5])
        let parked = try harness.poll(uwe, after: 5)
        #expect(parked.isParked)
        harness.manager.cancelPoll(try #require(parked.ticket))
    }

    /// A lost answer costs nothing: the page polls again with the same `after`.
    @Test func theSameAfterGetsTheSameEventsAgain() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        try await harness.send(Append(id: "t", html: "1"), to: .client(uwe))
        try await harness.send(Append(id: "t", html: "2"), to: .client(uwe))
        let first = try harness.events(uwe, after: 0)
        let again = try harness.events(uwe, after: 0)
        #expect(first.seqs == [1, 2])
        #expect(again.seqs == [1, 2])
        #expect(again.jsonText == first.jsonText)
        #expect(harness.manager.metrics.eventsDelivered == 4)
    }

    /// A parked poll answered with events whose answer is lost: the next poll, with the
    /// old `after`, gets them again.
    @Test func aParkedPollsAnswerIsKeptUntilAcknowledged() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let lost = try harness.poll(uwe, after: 0)
        try await harness.send(Append(id: "t", html: "1"), to: .client(uwe))
        #expect(lost.waiterAnswers == ["events 1"])
        #expect(try harness.events(uwe, after: 0).seqs == [1])
    }

    @Test func aLowerAfterThanOneReceivedCountsAsTheHigher() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        for n in 1...4 { try await harness.send(Text(id: "n", text: "\(n)"), to: .client(uwe)) }
        #expect(try harness.events(uwe, after: 3).seqs == [4])
        #expect(try harness.events(uwe, after: 1).seqs == [4])
        #expect(try harness.events(uwe, after: 0).seqs == [4])
        try await harness.send(Text(id: "n", text: "5"), to: .client(uwe))
        #expect(try harness.events(uwe, after: 2).seqs == [4, 5])
    }

    @Test func anAfterAboveTheLastSeqIsAnError() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let error = #expect(throws: ManagerError.afterBeyondLastSeq) { try harness.manager.poll(uwe, after: 1) { _ in } }
        #expect(error?.status == 400)
        try await harness.send(Append(id: "t", html: "1"), to: .client(uwe))
        #expect(throws: ManagerError.afterBeyondLastSeq) { try harness.manager.poll(uwe, after: 2) { _ in } }
        #expect(throws: ManagerError.afterBeyondLastSeq) { try harness.manager.poll(uwe, after: .max) { _ in } }
        await #expect(throws: ManagerError.afterBeyondLastSeq) { try await harness.manager.output(for: uwe, after: 2) }
        // Nothing was acknowledged or parked by the refused polls.
        #expect(try harness.events(uwe, after: 0).seqs == [1])
        #expect(harness.manager.metrics.parkedPolls == 0)
    }

    /// A refused poll leaves an already parked one in place.
    @Test func anAfterAboveTheLastSeqDoesNotSupersedeAParkedPoll() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let parked = try harness.poll(uwe, after: 0)
        #expect(throws: ManagerError.afterBeyondLastSeq) { try harness.manager.poll(uwe, after: 9) { _ in } }
        #expect(parked.isParked)
        try await harness.send(Append(id: "t", html: "1"), to: .client(uwe))
        #expect(parked.waiterAnswers == ["events 1"])
    }

    @Test func eachClientHasItsOwnSequence() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        try await harness.send(Append(id: "t", html: "only uwe"), to: .client(uwe))
        try await harness.send(Append(id: "t", html: "only uwe"), to: .client(uwe))
        let dominik = try harness.register("zorg.member.dominik")
        #expect(try await harness.send(Append(id: "t", html: "both"), to: .location("/zorg")) == 2)
        #expect(try harness.events(uwe, after: 2).objects == [["seq": 3, "verb": "append", "id": "t", "html": "both"]])
        #expect(try harness.events(dominik).objects == [["seq": 1, "verb": "append", "id": "t", "html": "both"]])
    }

    @Test func theAsyncOutputAcknowledgesToo() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        for n in 1...3 { try await harness.send(Text(id: "n", text: "\(n)"), to: .client(uwe)) }
        #expect(try await harness.manager.output(for: uwe).seqs == [1, 2, 3])
        #expect(try await harness.manager.output(for: uwe, after: 2).seqs == [3])
        #expect(try await harness.manager.output(for: uwe, after: 1).seqs == [3])
    }

    /// Thousands of events acknowledged in steps of every size: each answer starts just
    /// above `after` and runs on without a gap, however the queue is compacted.
    @Test func acknowledgingInStepsOfEverySizeKeepsEveryEventAboveAfter() async throws {
        let harness = Harness { $0.maximumBatchEvents = 64 }
        let uwe = try harness.register("zorg.member.uwe")
        var generator = SplitMix64(seed: 1)
        var sent: UInt64 = 0
        var after: UInt64 = 0
        while after < 5000 {
            let count = Int(generator.next() % 40)
            if count > 0 {
                try await harness.send((0..<count).map { Text(id: "n", text: "\(sent + UInt64($0) + 1)") }, to: .client(uwe))
                sent += UInt64(count)
            }
            guard sent > after else { continue }
            let batch = try harness.events(uwe, after: after)
            let expectedCount = min(Int(sent - after), 64)
            #expect(batch.seqs == (1...UInt64(expectedCount)).map { after + $0 })
            #expect(batch.textForms.first == "text n\n\(after + 1)")
            after += generator.next() % UInt64(expectedCount + 1)
        }
    }

    @Test func metricsCountEventsQueuedAndDelivered() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        try harness.register("zorg.member.dominik")
        try await harness.send([Remove(id: "a"), Remove(id: "b")], to: .location("/zorg"))
        _ = try harness.events(uwe)
        _ = try harness.events(uwe, after: 1)
        let metrics = harness.manager.metrics
        #expect(metrics.eventsQueued == 4)
        #expect(metrics.eventsDelivered == 3)
        #expect(metrics.clients == 2)
        #expect(metrics.locations == 1)
    }
}
