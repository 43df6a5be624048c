/// A min-heap of timers by deadline, where any timer can be removed in O(log n).
///
/// A timer a clock's user cancels (the presence flush of a location that emptied)
/// must leave nothing behind: a heap that only marked cancelled entries would hold every
/// cancelled timer until its deadline. Parked long-polls have no timer here; their hold
/// times are in the manager's ``HoldWheel``, which one timer ticks.
struct TimerHeap: ~Copyable {
    struct Entry {
        let deadline: Duration
        let id: UInt64
        let action: @Sendable () -> Void
    }

    private var entries: [Entry] = []
    /// Where each timer is in `entries`, by id.
    private var positions: [UInt64: Int] = [:]

    var count: Int { entries.count }

    /// The earliest deadline, if any timer is scheduled.
    var earliestDeadline: Duration? { entries.first?.deadline }

    mutating func insert(_ entry: Entry) {
        entries.append(entry)
        positions[entry.id] = entries.count - 1
        siftUp(entries.count - 1)
    }

    /// Removes the timer `id`; returns whether it was still scheduled.
    @discardableResult
    mutating func remove(id: UInt64) -> Bool {
        guard let index = positions[id] else { return false }
        removeEntry(at: index)
        return true
    }

    /// Removes and returns the earliest timer if its deadline is at or before `now`.
    mutating func popDue(at now: Duration) -> Entry? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        removeEntry(at: 0)
        return first
    }

    private mutating func removeEntry(at index: Int) {
        positions[entries[index].id] = nil
        let last = entries.count - 1
        if index != last {
            entries.swapAt(index, last)
            positions[entries[index].id] = index
        }
        entries.removeLast()
        if index < entries.count {
            siftDown(index)
            siftUp(index)
        }
    }

    private func isEarlier(_ a: Int, _ b: Int) -> Bool {
        (entries[a].deadline, entries[a].id) < (entries[b].deadline, entries[b].id)
    }

    private mutating func swapEntries(_ a: Int, _ b: Int) {
        entries.swapAt(a, b)
        positions[entries[a].id] = a
        positions[entries[b].id] = b
    }

    private mutating func siftUp(_ start: Int) {
        var index = start
        while index > 0 {
            let parent = (index - 1) / 2
            guard isEarlier(index, parent) else { return }
            swapEntries(index, parent)
            index = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var index = start
        while true {
            let left = 2 * index + 1
            let right = left + 1
            var smallest = index
            if left < entries.count, isEarlier(left, smallest) { smallest = left }
            if right < entries.count, isEarlier(right, smallest) { smallest = right }
            guard smallest != index else { return }
            swapEntries(index, smallest)
            index = smallest
        }
    }
}
