public import LivePageEvents
import Synchronization

extension ClientManager {
    /// Sends `events`, in order, to every client of `audience`: each client gets them
    /// with consecutive seqs.
    /// - Returns: The number of (client, event) pairs queued.
    /// - Throws: ``ManagerError/publishTooLarge(events:bytes:)`` for events no client queue
    ///   could hold; ``ManagerError/unavailable`` if the bus could not carry the message.
    public func send(_ events: [any Event], to audience: Audience) async throws(ManagerError) -> Int {
        try await send(encoded: events.map { EncodedEvent($0) }, to: audience)
    }

    /// Sends one event to every client of `audience`; see ``send(_:to:)-([any Event],_)``.
    public func send(_ event: any Event, to audience: Audience) async throws(ManagerError) -> Int {
        try await send(encoded: [EncodedEvent(event)], to: audience)
    }

    /// Sends events already encoded (each is encoded once, whatever the audience).
    public func send(encoded events: [EncodedEvent], to audience: Audience) async throws(ManagerError) -> Int {
        guard !events.isEmpty else { return 0 }
        try checkSize(of: events)
        return try await bus.publish(.events(events, to: audience))
    }

    /// Sends events already encoded and calls `completion` with the number of (client,
    /// event) pairs queued, or the bus's error. With the in-memory bus and a small
    /// audience, `completion` runs before this returns, on this thread, with no task; a
    /// large audience is delivered in slices and `completion` runs when the last is done.
    /// - Throws: ``ManagerError/publishTooLarge(events:bytes:)`` before anything is sent.
    public func send(
        encoded events: [EncodedEvent],
        to audience: Audience,
        completion: @escaping @Sendable (Result<Int, ManagerError>) -> Void
    ) throws(ManagerError) {
        guard !events.isEmpty else { return completion(.success(0)) }
        try checkSize(of: events)
        bus.publish(.events(events, to: audience), completion: completion)
    }

    /// Refuses events that alone would overflow every client's queue: queueing them would
    /// only evict every recipient.
    private func checkSize(of events: [EncodedEvent]) throws(ManagerError) {
        let bytes = events.reduce(0) { $0 + $1.byteCount }
        if events.count > configuration.maximumQueuedEvents || bytes > configuration.maximumQueuedBytes {
            throw .publishTooLarge(events: configuration.maximumQueuedEvents, bytes: configuration.maximumQueuedBytes)
        }
    }

    /// Removes every client of `audience` (a logged-out or banned user): their next
    /// poll is answered `gone(.closed)`.
    /// - Returns: The number of clients removed, over every server of the bus.
    public func disconnect(_ audience: Audience) async throws(ManagerError) -> Int {
        try await bus.publish(.disconnect(audience))
    }

    /// Carries out a bus message for this server's own clients, then calls `completion`
    /// with the (client, event) pairs queued, or the clients disconnected, here. Buses
    /// call this through their ``BusEndpoint``; an application sends with
    /// ``send(_:to:)-([any Event],_)`` instead.
    ///
    /// The message waits behind earlier ones, and runs a bounded slice of recipients at a
    /// time: the first slice on this thread when nothing is ahead of it, the rest on the
    /// clock's thread, so no lock or event loop is held for a large audience.
    package func deliverLocally(_ message: BusMessage, completion: @escaping @Sendable (Int) -> Void) {
        locked { state, _, _ in
            let work: Delivery.Work
            let audience: Audience
            switch message {
            case .events(let events, let to): (work, audience) = (.events(events), to)
            case .disconnect(let to): (work, audience) = (.disconnect, to)
            }
            let (recipients, scope) = recipients(of: audience, in: state)
            state.deliveries.append(Delivery(work, to: recipients, scope: scope, excluding: audience.excluded, completion: completion))
        }
    }

    /// Runs `body` under the lock, then a slice of the deliveries waiting (those `body`
    /// queued among them), then, unlocked, schedules the next slice if any is left and
    /// gives the answers decided. Every change that may reach other clients goes through here.
    ///
    /// Always inlined: called out of line, `body`'s context retained and released the
    /// manager and what `body` captured around every call, and the manager's reference count
    /// is in a side table (its timers hold it weakly), where each of those takes the slow path.
    @discardableResult
    @inline(__always)
    func locked<Result: Sendable, Failure: Error>(
        _ body: (inout State, Duration, inout PendingAnswers) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let now = clock.now
        var answers = PendingAnswers()
        let (result, mustSchedule) = try state.withLock { state throws(Failure) -> (Result, Bool) in
            let result = try body(&state, now, &answers)
            runReadyDeliveries(in: &state, now: now, answers: &answers)
            let mustSchedule = state.deliveries.isEmpty ? false : runDeliveries(in: &state, now: now, answers: &answers)
            if !state.dueSharedPolls.isEmpty { answerDueSharedPolls(in: &state, now: now, answers: &answers) }
            return (result, mustSchedule)
        }
        // The next slice first: the clock's thread decides it while this one's answers are
        // written, rather than after.
        if mustSchedule { scheduleDeliveries() }
        answers.deliver()
        return result
    }

    /// The clients of `audience` here, as they are now. Arrays are copied on write, so
    /// this costs nothing until the location changes.
    private func recipients(of audience: Audience, in state: State) -> ([ClientRecord], Delivery.Scope) {
        switch audience.target {
        case .client(let id):
            guard let record = state.clients[id] else { return ([], .everywhere) }
            return ([record], .location(ExactName(record.location.name)))
        case .location(let location):
            return (state.locations[ExactName(location)]?.clients ?? [], .location(ExactName(location)))
        case .principal(let principal):
            return (state.principals[ExactName(principal)] ?? [], .everywhere)
        case .everyone:
            return (state.everyone, .everywhere)
        }
    }

    /// Runs the small deliveries that need not wait, and those they cause (the presence
    /// flush of an eviction, say), each whole.
    private func runReadyDeliveries(in state: inout State, now: Duration, answers: inout PendingAnswers) {
        while !state.deliveries.ready.isEmpty {
            for delivery in state.deliveries.takeReady() {
                while let record = delivery.nextRecipient() {
                    deliver(delivery, to: record, in: &state, now: now, answers: &answers)
                }
                if let completion = delivery.completion {
                    let count = delivery.count
                    answers.add { completion(count) }
                }
            }
        }
    }

    /// Does `delivery`'s work for one recipient.
    private func deliver(_ delivery: Delivery, to record: ClientRecord, in state: inout State, now: Duration, answers: inout PendingAnswers) {
        switch delivery.work {
        case .events(let events):
            delivery.counted(enqueue(events, for: record, in: &state, now: now, answers: &answers))
        case .disconnect:
            guard record.isRegistered else { return }
            remove(record, reason: .closed, in: &state, now: now, answers: &answers)
            delivery.counted(1)
        case .presence(let flush):
            guard record.isRegistered, let event = flush.event(for: record) else { return }
            enqueue([event], for: record, in: &state, now: now, answers: &answers)
        }
    }

    /// Runs queued deliveries for one slice, unless a slice is already scheduled to (it
    /// keeps the order). Returns whether the caller must schedule the next slice.
    private func runDeliveries(in state: inout State, now: Duration, answers: inout PendingAnswers) -> Bool {
        guard !state.isDeliveryScheduled else { return false }
        var budget = Self.deliverySliceBudget
        while budget > 0, let delivery = state.deliveries.first {
            while budget > 0, let record = delivery.nextRecipient() {
                budget -= delivery.costPerRecipient
                deliver(delivery, to: record, in: &state, now: now, answers: &answers)
            }
            guard delivery.isDone else { break }
            state.deliveries.removeFirst()
            if let completion = delivery.completion {
                let count = delivery.count
                answers.add { completion(count) }
            }
        }
        // What the slice caused (the presence flush of an eviction) may be ready at once.
        runReadyDeliveries(in: &state, now: now, answers: &answers)
        answerDueSharedPolls(in: &state, now: now, answers: &answers)
        state.isDeliveryScheduled = !state.deliveries.isEmpty
        return state.isDeliveryScheduled
    }

    /// Runs the next slice of deliveries on the clock's thread, and so on until none is left.
    func scheduleDeliveries() {
        _ = clock.schedule(at: clock.now) { [weak self] in
            guard let self else { return }
            let now = clock.now
            var answers = PendingAnswers()
            let more = state.withLock { state in
                state.isDeliveryScheduled = false
                return runDeliveries(in: &state, now: now, answers: &answers)
            }
            if more { scheduleDeliveries() }
            answers.deliver()
        }
    }

    /// How much one slice of deliveries does at most, in events queued (a recipient counts
    /// one more): about a millisecond under the lock, and a few of answering after it.
    static let deliverySliceBudget = 4096

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
        // A delivery works on the recipients as they were when it was sent: one removed
        // since gets nothing, and is not evicted twice.
        guard record.isRegistered else { return 0 }
        for event in events {
            record.lastSeq += 1
            record.queue.append(OutputBatch.Item(seq: record.lastSeq, event: event))
        }
        if isOverLimits(record.queue), !compact(record, in: &state) {
            state.metrics.evictions += 1
            remove(record, reason: .evicted, in: &state, now: now, answers: &answers)
            return 0
        }
        state.metrics.eventsQueued += events.count
        switch record.parked {
        case nil:
            break
        case .single:
            if let waiter = takeParked(record, in: &state, now: now) {
                answers.add(waiter, .events(makeBatch(for: record, in: &state)))
            }
        case .shared(let poll):
            // Answered at the end of the locked section, with every member's events.
            if !poll.isDue {
                poll.isDue = true
                state.dueSharedPolls.append(poll)
            }
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
        guard record.isRegistered, state.clients.removeValue(forKey: id) != nil else { return }
        record.isRegistered = false
        state.removeFromEveryone(record)
        if let principal = record.info.principal.map(ExactName.init) {
            state.principals[principal]?.removeAll { $0 === record }
            if state.principals[principal]?.isEmpty == true { state.principals[principal] = nil }
        } else {
            state.anonymousClients -= 1
        }
        state.gone.remember(id, reason)
        if reason == .expired { state.metrics.expirations += 1 }
        if record.isAway { state.metrics.clientsAway -= 1 }
        answerParked(record, with: .gone(reason), in: &state, now: now, answers: &answers)
        let location = record.location
        let changed = location.remove(record)
        if changed {
            localPresenceChanged(at: location.name, in: &state, now: now)
            principalChanged(record, joined: false, answers: &answers)
        }
        if location.isEmpty {
            location.flushTimer?.cancel()
            state.locations[ExactName(location.name)] = nil
        } else if changed {
            presenceChanged(at: location, in: &state, now: now, answers: &answers)
        }
    }
}

extension ClientManager {
    /// Whether `queue` holds more than a client may have unacknowledged.
    func isOverLimits(_ queue: EventQueue) -> Bool {
        queue.count > configuration.maximumQueuedEvents || queue.byteCount > configuration.maximumQueuedBytes
    }

    /// Compacts the full queue of `record` (``EventQueue/compact()``); returns whether the
    /// client may stay: compaction freed at least a quarter of both limits. A queue that
    /// compaction cannot shrink so much is evicted, as before, so that one client never
    /// costs a compaction on every event.
    func compact(_ record: ClientRecord, in state: inout State) -> Bool {
        let dropped = record.queue.compact()
        state.metrics.eventsCompacted += dropped
        return record.queue.count * 4 <= configuration.maximumQueuedEvents * 3
            && record.queue.byteCount * 4 <= configuration.maximumQueuedBytes * 3
    }
}
