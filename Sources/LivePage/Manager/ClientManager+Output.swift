import Synchronization
extension ClientManager {
    /// What happened to an output request: answered at once, or parked.
    public enum PollResult: Sendable {
        /// The request is answered now; the waiter will not be called.
        case answered(OutputAnswer)
        /// The request is parked; the waiter will be called once, unless the poll is
        /// cancelled with ``ClientManager/cancelPoll(_:)`` first.
        case parked(PollTicket)
    }

    /// Names one parked output request, to cancel it when its connection goes away.
    public struct PollTicket: Sendable, Hashable {
        let client: ClientID
        let number: UInt64
    }

    /// Asks for the events of client `id` above `after`: the long-poll.
    ///
    /// Events waiting: answered at once, as many as fit one batch. None: the request
    /// parks until one is queued, or until its hold time (0.9 to 1.0 × refresh) passes
    /// and it is answered with an empty batch. A parked request of the same client is
    /// answered ``OutputAnswer/superseded``. Every event above the highest `after`
    /// received is kept, so a poll that repeats its `after` gets the same events again.
    ///
    /// - Parameters:
    ///   - id: The client.
    ///   - after: The highest seq the page has applied; a lower one than already received
    ///     counts as the higher one.
    ///   - waiter: Answers the request if it parks; called once, on any thread.
    /// - Returns: The answer, or the ticket of the parked request.
    /// - Throws: ``ManagerError/afterBeyondLastSeq`` when `after` is above the last seq
    ///   given out.
    public func poll(_ id: ClientID, after: UInt64, waiter: @escaping OutputWaiter) throws(ManagerError) -> PollResult {
        let now = clock.now
        var answers = PendingAnswers()
        defer { answers.deliver() }
        return try state.withLock { state throws(ManagerError) -> PollResult in
            guard !state.isShuttingDown else { return .answered(.shuttingDown) }
            guard let record = state.clients[id] else { return .answered(.gone(state.gone.reason(for: id))) }
            guard !state.isOutputSuspended else {
                // A poll answered 503 while output is suspended still shows the page is there:
                // it must not expire meanwhile, or it comes back `expired` rather than `evicted`.
                record.expiresAt = now + configuration.refresh + configuration.grace
                return .answered(.unavailable)
            }
            guard after <= record.lastSeq else { throw .afterBeyondLastSeq }
            if after > record.acknowledged {
                record.acknowledged = after
                record.queue.acknowledge(through: after)
            }
            if let previous = takeParked(record, in: &state, now: now) {
                answers.add(previous.waiter, .superseded)
            }
            if !record.queue.isEmpty {
                return .answered(.events(makeBatch(for: record, in: &state)))
            }
            state.nextTicket += 1
            let ticket = state.nextTicket
            // Drawn a tick above 0.9 × refresh: the wheel answers at the tick at or before it.
            let earliest = configuration.refresh * 0.9 + state.hold.resolution
            let holdTime = earliest + (configuration.refresh - earliest) * Double.random(in: 0...1, using: &state.jitter)
            record.parked = ClientRecord.ParkedPoll(ticket: ticket, waiter: waiter)
            state.hold.insert(record, deadline: now + holdTime, now: now)
            state.metrics.parkedPolls += 1
            scheduleHoldTick(in: &state, now: now)
            return .parked(PollTicket(client: id, number: ticket))
        }
    }

    /// Forgets a parked request whose connection went away, without answering it. The
    /// client's expiry countdown starts now. Does nothing if it was answered already.
    public func cancelPoll(_ ticket: PollTicket) {
        let now = clock.now
        state.withLock { state in
            guard let record = state.clients[ticket.client], record.parked?.ticket == ticket.number else { return }
            _ = takeParked(record, in: &state, now: now)
        }
    }

    /// Waits for the events of client `id` above `after`, as ``poll(_:after:waiter:)``
    /// describes; an idle answer is an empty batch. Cancelling the task forgets the poll.
    ///
    /// - Throws: ``ManagerError`` when the client is gone, the poll was superseded, the
    ///   server is shutting down or `after` is too high; `CancellationError` when the
    ///   task is cancelled.
    public func output(for id: ClientID, after: UInt64 = 0) async throws -> OutputBatch {
        let continuation = PollContinuation()
        let answer = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { checked in
                guard continuation.install(checked) else { return }
                do {
                    switch try poll(id, after: after, waiter: { continuation.resume(with: .success($0)) }) {
                    case .answered(let answer): continuation.resume(with: .success(answer))
                    case .parked(let ticket): continuation.onCancel { [weak self] in self?.cancelPoll(ticket) }
                    }
                } catch {
                    continuation.resume(with: .failure(error))
                }
            }
        } onCancel: {
            continuation.cancel()
        }
        switch answer {
        case .events(let batch): return batch
        case .superseded: throw ManagerError.superseded
        case .gone(let reason): throw ManagerError.clientGone(reason)
        case .shuttingDown: throw ManagerError.shuttingDown
        case .unavailable: throw ManagerError.unavailable
        }
    }

    /// Has the clock tick the hold wheel at its next tick, unless it will already.
    private func scheduleHoldTick(in state: inout State, now: Duration) {
        guard !state.holdTickScheduled else { return }
        state.holdTickScheduled = true
        let next = state.hold.answerTime(for: now) + state.hold.resolution
        _ = clock.schedule(at: next) { [weak self] in self?.holdTick() }
    }

    /// Answers idle the parked polls whose hold time has passed, and ticks again while
    /// polls are parked.
    private func holdTick() {
        let now = clock.now
        var answers = PendingAnswers()
        state.withLock { state in
            state.holdTickScheduled = false
            for record in state.hold.removeDue(at: now) {
                guard let parked = record.parked else { continue }
                record.parked = nil
                state.metrics.parkedPolls -= 1
                record.expiresAt = now + configuration.refresh + configuration.grace
                answers.add(parked.waiter, .events(OutputBatch(items: [])))
            }
            if state.hold.count > 0 { scheduleHoldTick(in: &state, now: now) }
        }
        answers.deliver()
    }

    /// Unparks `record`'s poll, if any, stopping its timer and starting the client's
    /// expiry countdown from now, the end of its last poll.
    func takeParked(_ record: ClientRecord, in state: inout State, now: Duration) -> ClientRecord.ParkedPoll? {
        guard let parked = record.parked else { return nil }
        record.parked = nil
        state.hold.remove(record)
        state.metrics.parkedPolls -= 1
        record.expiresAt = now + configuration.refresh + configuration.grace
        return parked
    }

    /// The next batch of `record`'s queued events, which stay queued until acknowledged.
    /// An answer ends a poll, so the expiry countdown restarts.
    func makeBatch(for record: ClientRecord, in state: inout State) -> OutputBatch {
        let items = record.queue.batch(
            maximumCount: configuration.maximumBatchEvents,
            maximumBytes: configuration.maximumBatchBytes
        )
        state.metrics.eventsDelivered += items.count
        record.expiresAt = clock.now + configuration.refresh + configuration.grace
        return OutputBatch(items: items)
    }
}
