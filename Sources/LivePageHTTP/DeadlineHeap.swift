import LivePageSystem

/// A binary min-heap of connection deadlines, keyed by descriptor and generation.
///
/// Entries are never removed early: a connection whose deadline moves later keeps its old
/// entry, which is checked against the connection when it comes due and then re-armed or
/// dropped. A connection pushes a new entry only when its deadline moves earlier, so the heap
/// stays near one entry per connection however many requests it serves.
struct DeadlineHeap {
    /// One deadline for one connection.
    struct Entry: Equatable {
        var deadline: MonotonicTime
        var fd: Int32
        var generation: UInt32
    }

    private var entries: [Entry] = []

    var count: Int { entries.count }

    /// The earliest entry.
    var first: Entry? { entries.first }

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest entry if it is due at `time`.
    mutating func popDue(at time: MonotonicTime) -> Entry? {
        guard let first = entries.first, first.deadline <= time else { return nil }
        let last = entries.removeLast()
        guard !entries.isEmpty else { return first }
        entries[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].deadline < entries[smallest].deadline { smallest = left }
            if right < entries.count, entries[right].deadline < entries[smallest].deadline { smallest = right }
            guard smallest != parent else { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
