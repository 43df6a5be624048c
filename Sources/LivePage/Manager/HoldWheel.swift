import LivePageSystem

/// The parked polls of a manager by the tick their hold time ends, where a poll is added
/// and removed in O(1) under the manager's own lock.
///
/// Ten thousand parked polls each had a timer on the clock's heap: every park was a heap
/// insertion and nearly every answer a removal, each under the clock's lock. Hold times
/// need no better than a few tens of milliseconds, so polls go into buckets of one tick,
/// in a ring that spans the longest hold time; the clock only ticks the ring while polls
/// are parked.
struct HoldWheel {
    /// Where a parked poll is in the wheel.
    struct Slot {
        /// The tick the hold time ends at.
        let tick: Int64
        let bucket: Int
        var index: Int
    }

    /// The length of one tick.
    let resolution: Duration
    /// ``resolution`` in nanoseconds: ticks are found by integer division, where dividing
    /// two `Duration`s went through floating point on every park.
    private let resolutionNanoseconds: Int64
    private var buckets: [[ClientRecord]]
    /// The first tick not yet processed.
    private var nextTick: Int64
    private(set) var count = 0

    /// A wheel for hold times of at most `longestHold`, with ticks of `resolution`.
    init(longestHold: Duration, resolution: Duration, now: Duration) {
        self.resolution = resolution
        resolutionNanoseconds = max(1, Int64(resolution.nanoseconds))
        let ticks = Int((longestHold / resolution).rounded(.up))
        buckets = Array(repeating: [], count: max(ticks, 1) + 2)
        nextTick = Self.tick(of: now, resolutionNanoseconds: resolutionNanoseconds)
    }

    /// The tick `time` falls in, rounded down; a clock's time is never below zero.
    private func tick(of time: Duration) -> Int64 {
        Self.tick(of: time, resolutionNanoseconds: resolutionNanoseconds)
    }

    private static func tick(of time: Duration, resolutionNanoseconds: Int64) -> Int64 {
        Int64(time.nanoseconds) / resolutionNanoseconds
    }

    /// The time of the tick at or before `deadline`: when a poll added with it is answered.
    func answerTime(for deadline: Duration) -> Duration {
        .nanoseconds(tick(of: deadline) * resolutionNanoseconds)
    }

    /// Adds `record`, whose hold time ends at `deadline` (no later than the longest hold
    /// time after `now`), and notes its slot in the record.
    mutating func insert(_ record: ClientRecord, deadline: Duration, now: Duration) {
        // The wheel is not ticked while empty: catch up, so the ring spans from now.
        if count == 0 { nextTick = max(nextTick, tick(of: now)) }
        let tick = max(tick(of: deadline), nextTick)
        let bucket = Int(tick % Int64(buckets.count))
        record.holdSlot = Slot(tick: tick, bucket: bucket, index: buckets[bucket].count)
        buckets[bucket].append(record)
        count += 1
    }

    /// Removes `record`, if it is in the wheel.
    mutating func remove(_ record: ClientRecord) {
        guard let slot = record.holdSlot else { return }
        record.holdSlot = nil
        let moved = buckets[slot.bucket].removeLast()
        if moved !== record {
            buckets[slot.bucket][slot.index] = moved
            moved.holdSlot?.index = slot.index
        }
        count -= 1
    }

    /// Removes and returns every record whose tick is at or before `now`.
    mutating func removeDue(at now: Duration) -> [ClientRecord] {
        let lastDue = tick(of: now)
        var due: [ClientRecord] = []
        // One turn of the ring visits every bucket; a bucket may also hold records of a
        // later turn if the wheel was not ticked for a while, and those stay.
        let ticks = min(lastDue - nextTick + 1, Int64(buckets.count))
        if ticks > 0 {
            for tick in nextTick..<(nextTick + ticks) {
                let bucket = Int(tick % Int64(buckets.count))
                var kept = 0
                for record in buckets[bucket] {
                    if let slot = record.holdSlot, slot.tick <= lastDue {
                        record.holdSlot = nil
                        due.append(record)
                    } else {
                        record.holdSlot?.index = kept
                        buckets[bucket][kept] = record
                        kept += 1
                    }
                }
                buckets[bucket].removeLast(buckets[bucket].count - kept)
            }
            count -= due.count
        }
        nextTick = max(nextTick, lastDue + 1)
        return due
    }
}
