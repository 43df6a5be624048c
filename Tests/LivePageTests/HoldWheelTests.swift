import LivePageEvents
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

    /// A fan-out answers every poll of a bucket long before its tick: the bucket is emptied
    /// then, without touching any other record, and holds no holes.
    @Test func aBucketWhosePollsAreAllRemovedHoldsNothing() {
        let location = LocationState(name: "/zorg", listLimit: 1000)
        var wheel = HoldWheel(longestHold: .seconds(1), resolution: .milliseconds(100), now: .zero)
        let records = (0..<1000).map { _ in Self.record(location) }
        for record in records { wheel.insert(record, deadline: .milliseconds(500), now: .zero) }
        for record in records.reversed() { wheel.remove(record) }
        #expect(wheel.count == 0 && wheel.places == 0)
        #expect(records.allSatisfy { $0.holdSlot == nil })
    }

    /// A bucket that keeps a few polls while many others are removed is compacted: its
    /// holes stay bounded, and every poll left is still found, removed or answered.
    @Test func aBucketWithFewPollsLeftIsCompactedAndKeepsThemFindable() {
        let location = LocationState(name: "/zorg", listLimit: 1000)
        var wheel = HoldWheel(longestHold: .seconds(1), resolution: .milliseconds(100), now: .zero)
        let records = (0..<500).map { _ in Self.record(location) }
        for record in records { wheel.insert(record, deadline: .milliseconds(500), now: .zero) }
        let kept = Set([3, 77, 250, 251, 499].map { ObjectIdentifier(records[$0]) })
        var generator = SplitMix64(seed: 17)
        for record in records.shuffled(using: &generator) where !kept.contains(ObjectIdentifier(record)) {
            wheel.remove(record)
            #expect(wheel.places - wheel.count <= HoldWheel.holesBeforeCompaction + 4 * wheel.count + 1)
        }
        #expect(wheel.count == 5 && wheel.places <= HoldWheel.holesBeforeCompaction + 25)
        wheel.remove(records[250])
        #expect(wheel.count == 4 && records[250].holdSlot == nil)
        let due = wheel.removeDue(at: .milliseconds(500))
        #expect(Set(due.map { ObjectIdentifier($0) }) == Set([3, 77, 251, 499].map { ObjectIdentifier(records[$0]) }))
        #expect(wheel.count == 0 && wheel.places == 0)
    }

    /// The wheel is swept only where a poll may be due: the empty ticks between are
    /// skipped, and a poll of a later turn of the ring gives an early sweep, not a late one.
    @Test func theNextSweepIsTheFirstTickWithAPoll() {
        let location = LocationState(name: "/zorg", listLimit: 1000)
        var wheel = HoldWheel(longestHold: .seconds(1), resolution: .milliseconds(100), now: .zero)
        #expect(wheel.firstOccupiedTick() == nil)
        let (late, early) = (Self.record(location), Self.record(location))
        #expect(wheel.insert(late, deadline: .milliseconds(950), now: .zero) == 9)
        #expect(wheel.firstOccupiedTick() == 9)
        #expect(wheel.insert(early, deadline: .milliseconds(420), now: .zero) == 4)
        #expect(wheel.firstOccupiedTick() == 4 && wheel.time(ofTick: 4) == .milliseconds(400))
        #expect(wheel.removeDue(at: .milliseconds(400)).first === early)
        #expect(wheel.firstOccupiedTick() == 9)
        // Twelve buckets: tick 16 of the next turn shares tick 4's bucket, swept first.
        let nextTurn = Self.record(location)
        #expect(wheel.insert(nextTurn, deadline: .milliseconds(1650), now: .milliseconds(700)) == 16)
        #expect(wheel.firstOccupiedTick() == 9)
        #expect(wheel.removeDue(at: .milliseconds(900)).first === late)
        #expect(wheel.firstOccupiedTick() == 16)
        wheel.remove(nextTurn)
        #expect(wheel.firstOccupiedTick() == nil)
    }

    /// Regression (Speed): the wheel ticked every 50 ms while any poll was parked, 20
    /// wake-ups a second of an idle server's event loop; now the clock is woken for a
    /// parked poll only at its hold time.
    @Test func aParkedPollSetsNoTimerUntilItsHoldTimeEnds() throws {
        let clock = CountingClock()
        var configuration = ClientManager.Configuration()
        configuration.expiryCheckInterval = .seconds(60)
        let manager = ClientManager(configuration: configuration, registry: EventRegistry(), clock: clock)
        let uwe = try manager.register(at: "/zorg", principal: "zorg.member.uwe", presence: .none).client.id
        let poll = try Poll(manager: manager, client: uwe, after: 0, clock: clock.base)
        #expect(poll.isParked)
        let timersAfterParking = clock.scheduledCount
        for _ in 0..<440 { clock.base.advance(by: .milliseconds(50)) }
        #expect(clock.scheduledCount == timersAfterParking, "no timer was set in 22 s while the poll was parked")
        #expect(poll.isParked, "held at least 0.9 × refresh")
        clock.base.advance(by: .seconds(3))
        #expect(poll.waiterAnswers == ["idle"], "answered idle by the end of its hold time")
        #expect(manager.metrics.parkedPolls == 0)
    }

    /// Seeded random parks, answers and ticks against a plain model: every poll is
    /// answered exactly once, by a removal or at its tick, never before its hold time.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomParksAndAnswersMatchAModel(seed: UInt64) {
        let location = LocationState(name: "/zorg", listLimit: 1000)
        var wheel = HoldWheel(longestHold: .seconds(1), resolution: .milliseconds(50), now: .zero)
        var generator = SplitMix64(seed: seed)
        let records = (0..<300).map { _ in Self.record(location) }
        var deadlines: [ObjectIdentifier: Duration] = [:]
        var now = Duration.zero
        for _ in 0..<20_000 {
            let record = records.randomElement(using: &generator)!
            let key = ObjectIdentifier(record)
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<4 where deadlines[key] == nil:
                // At least a tick ahead, as the manager's hold times always are.
                let deadline = now + .milliseconds(Int.random(in: 50...1000, using: &generator))
                wheel.insert(record, deadline: deadline, now: now)
                deadlines[key] = deadline
            case 0..<8:
                wheel.remove(record)
                #expect(record.holdSlot == nil)
                deadlines[key] = nil
            default:
                now += .milliseconds(Int.random(in: 0...120, using: &generator))
                for answered in wheel.removeDue(at: now) {
                    let deadline = deadlines.removeValue(forKey: ObjectIdentifier(answered))
                    #expect(deadline.map { wheel.answerTime(for: $0) <= now } == true, "answered once, when due")
                }
                #expect(deadlines.values.allSatisfy { wheel.answerTime(for: $0) > now }, "no due poll is left")
            }
            #expect(wheel.count == deadlines.count)
            let firstSweep = wheel.firstOccupiedTick().map { wheel.time(ofTick: $0) }
            if let earliest = deadlines.values.map({ wheel.answerTime(for: $0) }).min() {
                #expect(firstSweep.map { $0 <= earliest } == true, "the next sweep comes no later than the first poll due")
            } else {
                #expect(firstSweep == nil, "an empty wheel needs no sweep")
            }
        }
    }
}
