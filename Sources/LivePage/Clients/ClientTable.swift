/// The registered clients by id: an open-addressing table with linear probing, indexed by
/// the low bits of the id.
///
/// Every poll looks its client up, and a `Dictionary` hashed each lookup with SipHash (its
/// `find` and `Hasher` took about 1 % of a fan-out's CPU). SipHash guards a dictionary
/// against keys chosen to collide; here every stored id was drawn by the server from the
/// system's secure generator, so the low 62 bits are uniform already and no client chooses
/// where an id lands. A made-up id that is looked up only probes, as long as any other.
///
/// A slot holds an id and its record side by side, so that a probe reads one cache line
/// and touches a record (a cold object, among thousands) only when its id matches. At most
/// three quarters of the slots are used, and a removal shifts the entries behind it back
/// (no tombstones), so lookups stay short however many clients come and go.
struct ClientTable {
    /// One slot: empty when `record` is `nil`.
    private struct Slot {
        var id: ClientID
        var record: ClientRecord?
    }

    private var slots: [Slot]
    /// The number of clients in the table.
    private(set) var count = 0

    /// An empty table with room for `capacity` slots, a power of two.
    init(capacity: Int = 16) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0, "capacity must be a power of two")
        slots = Array(repeating: Slot(id: .zero, record: nil), count: capacity)
    }

    private var mask: Int { slots.count - 1 }

    /// The slot where a probe for `id` starts.
    private func home(of id: ClientID) -> Int {
        Int(truncatingIfNeeded: id.low) & mask
    }

    /// The slot holding `id`, or `nil`. Compares ids before looking at the record.
    private func slot(of id: ClientID) -> Int? {
        slots.withUnsafeBufferPointer { slots in
            var slot = home(of: id)
            while true {
                if slots[slot].id == id, slots[slot].record != nil { return slot }
                if slots[slot].record == nil { return nil }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The client with `id`; setting `nil` removes it.
    subscript(id: ClientID) -> ClientRecord? {
        get { slot(of: id).flatMap { slots[$0].record } }
        set {
            guard let newValue else {
                removeValue(forKey: id)
                return
            }
            if let slot = slot(of: id) {
                slots[slot].record = newValue
                return
            }
            if (count + 1) * 4 > slots.count * 3 { grow() }
            insertNew(id, newValue)
        }
    }

    /// Removes the client with `id`.
    /// - Returns: The record removed, or `nil` when there was none.
    @discardableResult
    mutating func removeValue(forKey id: ClientID) -> ClientRecord? {
        guard var hole = slot(of: id) else { return nil }
        let removed = slots[hole].record
        slots[hole].record = nil
        count -= 1
        // Backward shift: an entry after the hole moves into it unless its home lies
        // cyclically in (hole, slot], where a probe for it still finds it.
        var slot = hole
        while true {
            slot = (slot + 1) & mask
            guard slots[slot].record != nil else { break }
            let home = home(of: slots[slot].id)
            let staysReachable = hole <= slot ? (hole < home && home <= slot) : (hole < home || home <= slot)
            if staysReachable { continue }
            slots.swapAt(hole, slot)
            hole = slot
        }
        return removed
    }

    /// Every client, in no particular order.
    var values: some Sequence<ClientRecord> {
        slots.lazy.compactMap(\.record)
    }

    /// Puts `record` in the first free slot from `id`'s home; `id` is not in the table.
    private mutating func insertNew(_ id: ClientID, _ record: ClientRecord) {
        var slot = home(of: id)
        while slots[slot].record != nil { slot = (slot + 1) & mask }
        slots[slot] = Slot(id: id, record: record)
        count += 1
    }

    /// Doubles the slots and puts every client back.
    private mutating func grow() {
        let old = slots
        self = ClientTable(capacity: slots.count * 2)
        for slot in old {
            if let record = slot.record { insertNew(slot.id, record) }
        }
    }
}
