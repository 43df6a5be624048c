import LivePageSystem

/// One deadline of one connection, in the loop's ``MinHeap``, keyed by descriptor and
/// generation.
///
/// A connection whose deadline moves later keeps its old entry, which is checked against
/// the connection when it comes due and then re-armed or dropped. A connection pushes a new
/// entry only when its deadline moves earlier, so the heap stays near one entry per
/// connection however many requests it serves.
struct ConnectionDeadline: Comparable {
    var deadline: MonotonicTime
    var fd: Int32
    var generation: UInt32

    /// Earlier deadlines first; connections due at the same time in any order.
    static func < (lhs: ConnectionDeadline, rhs: ConnectionDeadline) -> Bool { lhs.deadline < rhs.deadline }
}
