/// The ids of the most recent clients that went away, and why, so that a poll from one
/// is answered `410` with its reason rather than `unknown`. Bounded: the oldest are
/// forgotten first.
struct GoneClients {
    private var reasons: [ClientID: ClientGoneReason] = [:]
    private var order: [ClientID] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    mutating func remember(_ id: ClientID, _ reason: ClientGoneReason) {
        if order.count < capacity {
            order.append(id)
        } else {
            reasons[order[next]] = nil
            order[next] = id
            next = (next + 1) % capacity
        }
        reasons[id] = reason
    }

    /// Why `id` went away, or ``ClientGoneReason/unknown``.
    func reason(for id: ClientID) -> ClientGoneReason {
        reasons[id] ?? .unknown
    }
}
