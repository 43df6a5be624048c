import LivePageSystem

/// Timers of the clients on one loop (``HTTPClient``, the Redis client, the manager's
/// clock): actions in deadline order, those due at the same time in the order they were
/// scheduled. An action checks for itself whether it still applies (its request may have
/// been answered), so nothing is ever removed early.
struct LoopTimers {
    private struct Entry: Comparable {
        let deadline: MonotonicTime
        let order: UInt64
        let action: () -> Void

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            (lhs.deadline, lhs.order) < (rhs.deadline, rhs.order)
        }

        static func == (lhs: Entry, rhs: Entry) -> Bool { lhs.order == rhs.order }
    }

    private var heap = MinHeap<Entry>()
    private var nextOrder: UInt64 = 0

    /// The earliest deadline.
    var first: MonotonicTime? { heap.first?.deadline }

    mutating func push(_ deadline: MonotonicTime, _ action: @escaping () -> Void) {
        heap.push(Entry(deadline: deadline, order: nextOrder, action: action))
        nextOrder &+= 1
    }

    /// Removes and returns the earliest action if it is due at `time`.
    mutating func popDue(at time: MonotonicTime) -> (() -> Void)? {
        heap.popFirst { $0.deadline <= time }?.action
    }

    /// Drops every timer.
    mutating func removeAll() { heap.removeAll() }
}
