/// The registered clients by id: an open-addressing table with linear probing, indexed by
/// the low bits of the id.
///
/// Every poll looks its client up, and a `Dictionary` hashed each lookup with SipHash (its
/// `find` and `Hasher` took about 1 % of a fan-out's CPU). SipHash guards a dictionary
/// against keys chosen to collide; here every stored id was drawn by the server from the
/// system's secure generator, so the low 62 bits are uniform already and no client chooses
/// where an id lands. A made-up id that is looked up only probes, as long as any other.
///
/// Ids and records are in two arrays, so that a probe compares 16-byte ids side by side and
/// touches a record only when its id matches. At most three quarters of the slots are used;
/// a removal shifts the entries behind it back (no tombstones), so lookups stay short
/// however many clients come and go.
struct ClientTable {
    private var ids: [ClientID]
    private var records: [ClientRecord?]
    /// The number of clients in the table.
    private(set) var count = 0

    /// An empty table with room for `capacity` slots, a power of two.
    init(capacity: Int = 16) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0, "capacity must be a power of two")
        ids = Array(repeating: ClientID.zero, count: capacity)
        records = Array(repeating: nil, count: capacity)
    }

    private var mask: Int { records.count - 1 }

    /// The slot where a probe for `id` starts.
    private func home(of id: ClientID) -> Int {
        Int(truncatingIfNeeded: id.low) & mask
    }

    /// The slot holding `id`, or `nil`.
    private func slot(of id: ClientID) -> Int? {
        var slot = home(of: id)
        while records[slot] != nil {
            if ids[slot] == id { return slot }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// The client with `id`; setting `nil` removes it.
    subscript(id: ClientID) -> ClientRecord? {
        get { slot(of: id).flatMap { records[$0] } }
        set {
            guard let newValue else {
                removeValue(forKey: id)
                return
            }
            if let slot = slot(of: id) {
                records[slot] = newValue
                return
            }
            if (count + 1) * 4 > records.count * 3 { grow() }
            insertNew(id, newValue)
        }
    }

    /// Removes the client with `id`.
    /// - Returns: The record removed, or `nil` when there was none.
    @discardableResult
    mutating func removeValue(forKey id: ClientID) -> ClientRecord? {
        guard var hole = slot(of: id) else { return nil }
        let removed = records[hole]
        records[hole] = nil
        count -= 1
        // Backward shift: an entry after the hole moves into it unless its home lies
        // cyclically in (hole, slot], where a probe for it still finds it.
        var slot = hole
        while true {
            slot = (slot + 1) & mask
            guard let record = records[slot] else { break }
            let home = home(of: ids[slot])
            let staysReachable = hole <= slot ? (hole < home && home <= slot) : (hole < home || home <= slot)
            if staysReachable { continue }
            ids[hole] = ids[slot]
            records[hole] = record
            records[slot] = nil
            hole = slot
        }
        return removed
    }

    /// Every client, in no particular order.
    var values: some Sequence<ClientRecord> {
        records.lazy.compactMap { $0 }
    }

    /// Puts `record` in the first free slot from `id`'s home; `id` is not in the table.
    private mutating func insertNew(_ id: ClientID, _ record: ClientRecord) {
        var slot = home(of: id)
        while records[slot] != nil { slot = (slot + 1) & mask }
        ids[slot] = id
        records[slot] = record
        count += 1
    }

    /// Doubles the slots and puts every client back.
    private mutating func grow() {
        let oldIDs = ids
        let oldRecords = records
        self = ClientTable(capacity: records.count * 2)
        for (id, record) in zip(oldIDs, oldRecords) {
            if let record { insertNew(id, record) }
        }
    }
}
