import Testing

@testable import LivePage

/// The hold wheel keeps parked polls by the tick their hold time ends: answers stay
/// within 0.9 to 1.0 × refresh however long the wheel sat idle, and polls of different
/// turns of its ring stay apart.
@Suite(.timeLimit(.minutes(1)))
struct HoldWheelTests {
    /// Regression: the wheel is not ticked while empty, so its first tick after a quiet
    /// hour swept every bucket and answered a fresh poll idle at once.
    @Test func aPollAfterALongQuietSpellIsHeldItsFullTime() throws {
        let harness = Harness { $0.firstPollTimeout = .seconds(7200) }
        let uwe = try harness.register("zorg.member.uwe")
        harness.advance(to: .seconds(3600))
        let poll = try harness.poll(uwe)
        harness.advance(to: .milliseconds(3_622_499))
        #expect(poll.isParked, "held at least 0.9 × refresh")
        harness.advance(to: .seconds(3625))
        #expect(poll.waiterAnswers == ["idle"])
    }

    static func record(_ location: LocationState) -> ClientRecord {
        ClientRecord(info: ClientInfo(id: ClientID(), location: location.name, principal: nil, presence: .none), location: location, expiresAt: .zero)
    }

    /// A bucket can hold polls of two turns of the ring when the wheel was not ticked in
    /// between; a sweep takes only the polls that are due.
    @Test func aSweepTakesOnlyTheDuePollsOfABucket() {
        let location = LocationState(name: "/zorg", listLimit: 1000)
        var wheel = HoldWheel(longestHold: .seconds(1), resolution: .milliseconds(100), now: .zero)
        let (early, middle, nextTurn) = (Self.record(location), Self.record(location), Self.record(location))
        wheel.insert(early, deadline: .milliseconds(500), now: .zero)
        wheel.insert(middle, deadline: .milliseconds(950), now: .zero)
        // Twelve buckets of 100 ms: 1.9 s is tick 19, in the same bucket as tick 7.
        wheel.insert(nextTurn, deadline: .milliseconds(1900), now: .milliseconds(1000))
        #expect(wheel.count == 3)
        let due = wheel.removeDue(at: .milliseconds(1000))
        #expect(due.count == 2 && due.contains { $0 === early } && due.contains { $0 === middle })
        #expect(wheel.count == 1 && nextTurn.holdSlot != nil)
        #expect(wheel.removeDue(at: .milliseconds(1899)).isEmpty)
        #expect(wheel.removeDue(at: .milliseconds(1900)).first === nextTurn)
        #expect(wheel.count == 0)
    }

    @Test func removingAPollKeepsTheOthersOfItsBucketFindable() {
        let location = LocationState(name: "/zorg", listLimit: 1000)
        var wheel = HoldWheel(longestHold: .seconds(1), resolution: .milliseconds(100), now: .zero)
        let records = (0..<5).map { _ in Self.record(location) }
        for record in records { wheel.insert(record, deadline: .milliseconds(500), now: .zero) }
        wheel.remove(records[1])
        wheel.remove(records[4])
        wheel.remove(records[4])
        #expect(wheel.count == 3)
        let due = wheel.removeDue(at: .milliseconds(500))
        #expect(Set(due.map { ObjectIdentifier($0) }) == Set([0, 2, 3].map { ObjectIdentifier(records[$0]) }))
    }
}
