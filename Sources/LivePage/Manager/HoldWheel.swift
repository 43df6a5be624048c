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

    /// The polls whose hold time ends in one tick (of any turn of the ring), with a hole
    /// (`nil`) where one was removed.
    ///
    /// A removal leaves a hole rather than moving the bucket's last record into its place:
    /// that record is another client's, cold among thousands, and touching it (its slot and
    /// its reference count) was the most expensive step of answering a parked poll in a
    /// fan-out. A bucket is emptied, with no record touched, once its last poll is removed,
    /// which in a fan-out is long before its tick; one that keeps a few polls while many
    /// come and go is compacted when its holes outnumber them, so that a bucket never holds
    /// more than 64 places beyond five per poll (8 bytes each).
    private struct Bucket {
        var records: [ClientRecord?] = []
        /// The records that are not holes.
        var live = 0

        /// Drops the holes, noting each record's new index in its slot.
        mutating func compact() {
            var kept = 0
            for index in records.indices {
                guard let record = records[index] else { continue }
                record.holdSlot?.index = kept
                records[kept] = record
                kept += 1
            }
            records.removeLast(records.count - kept)
        }
    }

    /// The length of one tick.
    let resolution: Duration
    /// ``resolution`` in nanoseconds: ticks are found by integer division, where dividing
    /// two `Duration`s went through floating point on every park.
    private let resolutionNanoseconds: Int64
    private var buckets: [Bucket]
    /// The first tick not yet processed.
    private var nextTick: Int64
    private(set) var count = 0

    /// A wheel for hold times of at most `longestHold`, with ticks of `resolution`.
    init(longestHold: Duration, resolution: Duration, now: Duration) {
        self.resolution = resolution
        resolutionNanoseconds = max(1, Int64(resolution.nanoseconds))
        let ticks = Int((longestHold / resolution).rounded(.up))
        buckets = Array(repeating: Bucket(), count: max(ticks, 1) + 2)
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
        time(ofTick: tick(of: deadline))
    }

    /// The time `tick` starts: a sweep at or after it answers the polls due at that tick.
    func time(ofTick tick: Int64) -> Duration {
        .nanoseconds(tick * resolutionNanoseconds)
    }

    /// The first tick, from the next one to sweep on, whose bucket holds a poll; `nil` when
    /// the wheel is empty.
    ///
    /// No poll is due before it: a poll of tick `t` is in bucket `t % buckets`, which the
    /// ticks from the next one on reach no later than `t`. A poll of a later turn of the
    /// ring makes the tick early (its sweep takes nothing), never late. So the clock need
    /// not wake for the empty ticks between: ten thousand polls parked by one fan-out
    /// leave the wheel asleep for the whole hold time instead of ticking 20 times a second.
    func firstOccupiedTick() -> Int64? {
        guard count > 0 else { return nil }
        let length = Int64(buckets.count)
        for tick in nextTick..<(nextTick + length) where buckets[Int(tick % length)].live > 0 {
            return tick
        }
        return nil
    }

    /// Adds `record`, whose hold time ends at `deadline` (no later than the longest hold
    /// time after `now`), and notes its slot in the record.
    /// - Returns: The tick the poll is due at: a sweep at ``time(ofTick:)`` answers it.
    @discardableResult
    mutating func insert(_ record: ClientRecord, deadline: Duration, now: Duration) -> Int64 {
        // The wheel is not ticked while empty: catch up, so the ring spans from now.
        if count == 0 { nextTick = max(nextTick, tick(of: now)) }
        let tick = max(tick(of: deadline), nextTick)
        let bucket = Int(tick % Int64(buckets.count))
        record.holdSlot = Slot(tick: tick, bucket: bucket, index: buckets[bucket].records.count)
        buckets[bucket].records.append(record)
        buckets[bucket].live += 1
        count += 1
        return tick
    }

    /// Removes `record`, if it is in the wheel, touching no other record unless its bucket
    /// is due for compaction.
    mutating func remove(_ record: ClientRecord) {
        guard let slot = record.holdSlot else { return }
        record.holdSlot = nil
        count -= 1
        buckets[slot.bucket].records[slot.index] = nil
        buckets[slot.bucket].live -= 1
        let (live, length) = (buckets[slot.bucket].live, buckets[slot.bucket].records.count)
        if live == 0 {
            buckets[slot.bucket].records.removeAll(keepingCapacity: true)
        } else if length - live > Self.holesBeforeCompaction + 4 * live {
            // Amortised O(1): at least as many removals as the compaction touches records.
            buckets[slot.bucket].compact()
        }
    }

    /// The holes a bucket may have beyond four per poll it holds before it is compacted.
    static let holesBeforeCompaction = 64

    /// The places the buckets use, polls and holes: what the wheel costs in memory beyond
    /// its capacity, bounded by ``holesBeforeCompaction`` and the polls parked.
    var places: Int {
        buckets.reduce(0) { $0 + $1.records.count }
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
                guard buckets[bucket].live > 0 else {
                    buckets[bucket].records.removeAll(keepingCapacity: true)
                    continue
                }
                for index in buckets[bucket].records.indices {
                    guard let record = buckets[bucket].records[index], let slot = record.holdSlot, slot.tick <= lastDue else { continue }
                    record.holdSlot = nil
                    buckets[bucket].records[index] = nil
                    buckets[bucket].live -= 1
                    due.append(record)
                }
                buckets[bucket].compact()
            }
            count -= due.count
        }
        nextTick = max(nextTick, lastDue + 1)
        return due
    }
}
