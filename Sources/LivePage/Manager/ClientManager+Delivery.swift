public import LivePageEvents
import Synchronization

extension ClientManager {
    /// Sends `events`, in order, to every client of `audience`: each client gets them
    /// with consecutive seqs.
    /// - Returns: The number of (client, event) pairs queued.
    /// - Throws: ``ManagerError/eventTooLarge(limit:)`` for an event no client queue
    ///   could hold; the bus's error if it could not carry the message.
    public func send(_ events: [any Event], to audience: Audience) async throws -> Int {
        try await send(encoded: events.map { EncodedEvent($0) }, to: audience)
    }

    /// Sends one event to every client of `audience`; see ``send(_:to:)-([any Event],_)``.
    public func send(_ event: any Event, to audience: Audience) async throws -> Int {
        try await send(encoded: [EncodedEvent(event)], to: audience)
    }

    /// Sends events already encoded (each is encoded once, whatever the audience).
    public func send(encoded events: [EncodedEvent], to audience: Audience) async throws -> Int {
        guard !events.isEmpty else { return 0 }
        try checkSize(of: events)
        return try await bus.publish(.events(events, to: audience))
    }

    /// Sends events already encoded without awaiting, if the bus can carry them at once
    /// (the in-memory bus can); see ``EventBus/publishImmediately(_:)``.
    /// - Returns: The number of (client, event) pairs queued, or `nil` if the bus must
    ///   await, in which case nothing was sent: use ``send(encoded:to:)``.
    /// - Throws: ``ManagerError/eventTooLarge(limit:)``.
    public func sendImmediately(encoded events: [EncodedEvent], to audience: Audience) throws(ManagerError) -> Int? {
        guard !events.isEmpty else { return 0 }
        try checkSize(of: events)
        return bus.publishImmediately(.events(events, to: audience))
    }

    private func checkSize(of events: [EncodedEvent]) throws(ManagerError) {
        if events.contains(where: { $0.byteCount > configuration.maximumQueuedBytes }) {
            throw .eventTooLarge(limit: configuration.maximumQueuedBytes)
        }
    }

    /// Removes every client of `audience` (a logged-out or banned user): their next
    /// poll is answered `gone(.closed)`.
    /// - Returns: The number of clients removed, over every server of the bus.
    public func disconnect(_ audience: Audience) async throws -> Int {
        try await bus.publish(.disconnect(audience))
    }

    /// Carries out a bus message for this server's own clients. Buses call this; an
    /// application sends with ``send(_:to:)-([any Event],_)`` instead.
    /// - Returns: The (client, event) pairs queued, or the clients disconnected, here.
    public func deliverLocally(_ message: BusMessage) -> Int {
        let now = clock.now
        var answers = PendingAnswers()
        let count = state.withLock { state in
            var count = 0
            switch message {
            case .events(let events, let audience):
                for record in recipients(of: audience, in: state) {
                    count += enqueue(events, for: record, in: &state, now: now, answers: &answers)
                }
            case .disconnect(let audience):
                for record in recipients(of: audience, in: state) {
                    remove(record, reason: .closed, in: &state, now: now, answers: &answers)
                    count += 1
                }
            }
            return count
        }
        answers.deliver()
        return count
    }

    /// The clients of `audience` here. A copy, so the caller may remove clients as it goes.
    private func recipients(of audience: Audience, in state: State) -> [ClientRecord] {
        var records: [ClientRecord]
        switch audience.target {
        case .client(let id): records = state.clients[id].map { [$0] } ?? []
        case .location(let location): records = state.locations[ExactName(location)]?.clients ?? []
        case .principal(let principal): records = state.principals[ExactName(principal)] ?? []
        case .everyone: records = Array(state.clients.values)
        }
        if let excluded = audience.excluded {
            records.removeAll { $0.info.id == excluded }
        }
        return records
    }

    /// Queues `events` for `record` with its next seqs. A parked poll is answered with the
    /// next batch; a client pushed over its queue limit is evicted instead.
    /// - Returns: The number of events queued, 0 if the client was evicted or is gone.
    @discardableResult
    func enqueue(
        _ events: [EncodedEvent],
        for record: ClientRecord,
        in state: inout State,
        now: Duration,
        answers: inout PendingAnswers
    ) -> Int {
        // A fan-out works on a copy of its recipients: one evicted meanwhile (by the
        // presence event of another's eviction) gets nothing, and is not evicted twice.
        guard state.clients[record.info.id] === record else { return 0 }
        for event in events {
            record.lastSeq += 1
            record.queue.append(OutputBatch.Item(seq: record.lastSeq, event: event))
        }
        if record.queue.count > configuration.maximumQueuedEvents
            || record.queue.byteCount > configuration.maximumQueuedBytes
        {
            state.metrics.evictions += 1
            remove(record, reason: .evicted, in: &state, now: now, answers: &answers)
            return 0
        }
        state.metrics.eventsQueued += events.count
        if let parked = takeParked(record, in: &state, now: now) {
            answers.add(parked.waiter, .events(makeBatch(for: record, in: &state)))
        }
        return events.count
    }

    /// Removes `record` for `reason`: its parked poll is answered `gone`, its id is
    /// remembered with the reason, and presence at its location is updated.
    func remove(
        _ record: ClientRecord,
        reason: ClientGoneReason,
        in state: inout State,
        now: Duration,
        answers: inout PendingAnswers
    ) {
        let id = record.info.id
        guard state.clients.removeValue(forKey: id) != nil else { return }
        if let principal = record.info.principal.map(ExactName.init) {
            state.principals[principal]?.removeAll { $0 === record }
            if state.principals[principal]?.isEmpty == true { state.principals[principal] = nil }
        }
        state.gone.remember(id, reason)
        if reason == .expired { state.metrics.expirations += 1 }
        if let parked = takeParked(record, in: &state, now: now) {
            answers.add(parked.waiter, .gone(reason))
        }
        let location = record.location
        let changed = location.remove(record)
        if changed { localPresenceChanged(at: location.name, in: &state, now: now) }
        if location.isEmpty {
            location.flushTimer?.cancel()
            state.locations[ExactName(location.name)] = nil
        } else if changed {
            presenceChanged(at: location, in: &state, now: now, answers: &answers)
        }
    }
}
