import LivePage
import LivePageEvents
import Synchronization
import Testing

/// Large deliveries run in bounded slices (red team: one publish of 65,000 events to 2,000
/// clients held the loop for 16.8 s): the first slice at once, the rest in the clock's
/// timers, in order, while the manager goes on serving everything else in between.
@Suite(.timeLimit(.minutes(2)))
struct DeliverySliceTests {
    /// Sends `events` to `audience` with the callback send; the count once delivered.
    final class Sent: Sendable {
        private let result = Mutex<Int?>(nil)
        init(_ harness: Harness, _ events: [any Event], to audience: Audience) throws {
            try harness.manager.send(encoded: events.map { EncodedEvent($0) }, to: audience) { outcome in
                self.result.withLock { $0 = try? outcome.get() }
            }
        }
        var count: Int? { result.withLock { $0 } }
    }

    @Test func aFanOutLargerThanASliceIsDeliveredInSlicesWithOtherWorkInBetween() throws {
        let harness = Harness()
        let ids = try (0..<10_000).map { try harness.register("user-\($0)", at: "/big") }
        let polls = try ids.map { try harness.poll($0) }
        let big = try Sent(harness, [Remove(id: "a")], to: .location("/big"))
        #expect(big.count == nil, "not done in one go")
        let answered = polls.filter { !$0.isParked }.count
        #expect(answered > 0 && answered < 10_000, "the first slice answered \(answered) polls at once")

        // Between slices: a registration, a poll and a small publish elsewhere are served.
        let other = try harness.register("other", at: "/other")
        let parked = try harness.poll(other)
        let small = try Sent(harness, [Remove(id: "b")], to: .location("/other"))
        #expect(small.count == 1, "a publish to another location does not wait behind the fan-out")
        #expect(parked.answer?.batch?.textForms == ["remove b"])

        // A second send to the same location waits its turn: every client gets a, then c.
        let second = try Sent(harness, [Remove(id: "c")], to: .location("/big"))
        #expect(second.count == nil)
        harness.advance(by: .zero)
        #expect(big.count == 10_000)
        #expect(second.count == 10_000)
        #expect(polls.allSatisfy { $0.answer?.batch?.textForms == ["remove a"] })
        for id in ids.prefix(100) {
            #expect(try harness.events(id, after: 1).textForms == ["remove c"])
        }
    }

    @Test func aSendToEveryoneWaitsForTheLocationSendsBeforeIt() throws {
        let harness = Harness()
        let ids = try (0..<6_000).map { try harness.register("user-\($0)", at: "/room/\($0 % 2)") }
        let first = try Sent(harness, [Remove(id: "first")], to: .location("/room/0"))
        let everyone = try Sent(harness, [Remove(id: "all")], to: .everyone)
        #expect(everyone.count == nil, "it could reach /room/0, whose send is still under way")
        harness.advance(by: .zero)
        #expect(first.count == 3_000)
        #expect(everyone.count == 6_000)
        #expect(try harness.events(ids[0]).textForms == ["remove first", "remove all"])
        #expect(try harness.events(ids[1]).textForms == ["remove all"])
    }

    @Test func aLargeDisconnectIsSlicedToo() async throws {
        let harness = Harness()
        for index in 0..<3_000 { try harness.register("user-\(index)", at: "/room") }
        let removed = Mutex<Int?>(nil)
        harness.manager.deliverLocally(.disconnect(.location("/room"))) { count in removed.withLock { $0 = count } }
        #expect(removed.withLock { $0 } == nil)
        harness.advance(by: .zero)
        #expect(removed.withLock { $0 } == 3_000)
        #expect(harness.manager.metrics.clients == 0)
    }
}
