import LivePage
import LivePageEvents
import Testing

/// A full queue is compacted before its client is evicted: an event that a later one on
/// the same element makes pointless is dropped, and its seq skipped. Only where nothing
/// in between could depend on it.
@Suite(.timeLimit(.minutes(1)))
struct CompactionTests {
    /// What a page shows after applying `batch` to the text of elements (a tiny model of
    /// livepage.js for `text`, `remove` and `append`).
    static func texts(after batches: [OutputBatch]) -> [String] {
        batches.flatMap(\.textForms)
    }

    @Test func aSlowClientFloodedWithTextOfOneElementIsNotEvictedAndEndsWithTheLast() async throws {
        let harness = Harness { $0.maximumQueuedEvents = 16 }
        let slow = try harness.register(nil)
        for value in 1...1000 { try await harness.send(Text(id: "count", text: "\(value)"), to: .client(slow)) }
        // Compacted whenever the queue filled up: what is left is a few of the last.
        let batch = try harness.events(slow)
        #expect(batch.textForms.last == "text count\n1000")
        #expect(batch.seqs.count <= 16 && batch.seqs.first! > 900, "seqs skip the compacted events: \(batch.seqs)")
        #expect(batch.seqs == batch.seqs.sorted())
        #expect(harness.manager.metrics.evictions == 0)
        #expect(harness.manager.metrics.eventsCompacted == 1000 - batch.seqs.count)
    }

    @Test func aFloodOfAppendsStillEvictsAtTheLimit() async throws {
        let harness = Harness { $0.maximumQueuedEvents = 16 }
        let slow = try harness.register(nil)
        for value in 1...16 { try await harness.send(Append(id: "log", html: "\(value)"), to: .client(slow)) }
        #expect(try harness.events(slow).seqs.count == 16)
        try await harness.send(Append(id: "log", html: "17"), to: .client(slow))
        #expect(try harness.answer(slow).summary == "gone(evicted)")
        #expect(harness.manager.metrics.eventsCompacted == 0)
    }

    @Test func updatesAttributesAndRemovalsOfOneElementCompactAroundOtherElements() async throws {
        let harness = Harness { $0.maximumQueuedEvents = 12 }
        let slow = try harness.register(nil)
        for round in 1...5 {
            try await harness.send(
                [
                    Update(id: "board", html: "<b>\(round)</b>"),
                    Attribute(id: "board", name: "class", value: "r\(round)"),
                    Text(id: "clock", text: "\(round)"),
                    Attribute(id: "clock", name: "title", value: "t\(round)"),
                ], to: .client(slow))
        }
        #expect(harness.manager.metrics.evictions == 0)
        #expect(
            try harness.events(slow).textForms == [
                "update board\n<b>4</b>", "attribute board\nclass=r4", "text clock\n4", "attribute clock\ntitle=t4",
                "update board\n<b>5</b>", "attribute board\nclass=r5", "text clock\n5", "attribute clock\ntitle=t5",
            ])
    }

    /// `remove` then `append` of the same id: the append brings the element back, so the
    /// `text`s before and after it are of different elements and both stay.
    @Test func nothingIsMergedAcrossAnEventThatMayBringElementsBack() async throws {
        let harness = Harness { $0.maximumQueuedEvents = 6 }
        let slow = try harness.register(nil)
        try await harness.send(
            [
                Text(id: "x", text: "1"), Remove(id: "x"), Append(id: "list", html: #"<i id="x"></i>"#), Text(id: "x", text: "2"),
            ], to: .client(slow))
        for value in 3...5 { try await harness.send(Text(id: "x", text: "\(value)"), to: .client(slow)) }
        #expect(try harness.events(slow).textForms == ["text x\n1", "remove x", "append list\n<i id=\"x\"></i>", "text x\n5"])
        #expect(harness.manager.metrics.eventsCompacted == 3)
    }

    @Test func anEventOnAnElementThatAnEarlierUpdateMayHaveBroughtKeepsThatUpdate() async throws {
        let harness = Harness { $0.maximumQueuedEvents = 6 }
        let slow = try harness.register(nil)
        // The text of #inner is set between two updates of #outer whose HTML holds it:
        // without the first update the text would reach another #inner, or none.
        try await harness.send(
            [
                Update(id: "outer", html: #"<span id="inner"></span>"#), Text(id: "inner", text: "hi"),
                Update(id: "outer", html: "<span>gone</span>"), Text(id: "other", text: "1"),
            ], to: .client(slow))
        for value in 2...4 { try await harness.send(Text(id: "other", text: "\(value)"), to: .client(slow)) }
        #expect(
            try harness.events(slow).textForms == [
                "update outer\n<span id=\"inner\"></span>", "text inner\nhi", "update outer\n<span>gone</span>", "text other\n4",
            ])
    }

    @Test func aCustomVerbBetweenStopsCompaction() async throws {
        let harness = Harness { $0.maximumQueuedEvents = 3 }
        let slow = try harness.register(nil)
        try await harness.send([Text(id: "n", text: "1"), CustomEvent(verb: "score"), Text(id: "n", text: "2")], to: .client(slow))
        try await harness.send(Remove(id: "z"), to: .client(slow))
        #expect(try harness.answer(slow).summary == "gone(evicted)")
    }

    /// A later event from page input may be refused by the page, so it only replaces an
    /// earlier one from input: never a trusted one, and never an attribute.
    @Test func inputOnlyMakesEarlierInputPointless() async throws {
        let harness = Harness {
            $0.maximumQueuedEvents = 4
        }
        let slow = try harness.register(nil)
        let trusted = EncodedEvent(Text(id: "n", text: "trusted"))
        let fromInput = (1...4).map { EncodedEvent(Text(id: "n", text: "input \($0)"), fromInputBy: "uwe") }
        for event in [trusted] + fromInput { _ = try await harness.manager.send(encoded: [event], to: .client(slow)) }
        #expect(try harness.events(slow).textForms == ["text n\ntrusted", "text n\ninput 4"])
        #expect(harness.manager.metrics.eventsCompacted == 3)
    }

    @Test func compactionMustFreeAQuarterOfTheQueueOrTheClientIsEvicted() async throws {
        let harness = Harness { $0.maximumQueuedEvents = 8 }
        let slow = try harness.register(nil)
        let distinct: [any Event] = try (1...7).map { Remove(id: try ElementID(validating: "r\($0)")) }
        try await harness.send(distinct + [Text(id: "n", text: "1")], to: .client(slow))
        try await harness.send(Text(id: "n", text: "2"), to: .client(slow))
        #expect(try harness.answer(slow).summary == "gone(evicted)", "one event freed of nine: not enough")
    }
}
