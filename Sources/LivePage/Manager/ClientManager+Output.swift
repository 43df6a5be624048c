import LivePageSystem
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
        /// The client whose poll it is.
        package let client: ClientID
        /// The poll's number among the manager's parked polls, from 1 on.
        package let number: UInt64

        /// The ticket of poll `number` of `client`: for a caller that keeps the two apart, to
        /// store the ticket in less room.
        package init(client: ClientID, number: UInt64) {
            self.client = client
            self.number = number
        }
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
        try locked { state, now, answers throws(ManagerError) -> PollResult in
            guard !state.isShuttingDown else { return .answered(.shuttingDown) }
            guard let record = state.clients[id] else { return .answered(.gone(state.gone.reason(for: id))) }
            guard !state.isOutputSuspended else {
                // A poll answered 503 while output is suspended still shows the page is there:
                // it must not expire meanwhile, or it comes back `expired` rather than `evicted`.
                record.expiresAt = now + configuration.refresh + configuration.grace
                return .answered(.unavailable)
            }
            guard after <= record.lastSeq else { throw .afterBeyondLastSeq }
            startPolling(record, after: after, in: &state, now: now, answers: &answers)
            if !record.queue.isEmpty {
                return .answered(.events(makeBatch(for: record, in: &state)))
            }
            state.nextTicket += 1
            let ticket = state.nextTicket
            record.parked = .single(ticket: ticket, waiter: waiter)
            park(record, in: &state, now: now)
            return .parked(PollTicket(client: id, number: ticket))
        }
    }

    /// What every poll of `record` does first, alone or shared: acknowledges `after`,
    /// answers a parked poll of the same client `superseded`, and brings a client that
    /// was away back into who is online.
    func startPolling(_ record: ClientRecord, after: UInt64, in state: inout State, now: Duration, answers: inout PendingAnswers) {
        record.hasPolled = true
        if after > record.acknowledged {
            record.acknowledged = after
            record.queue.acknowledge(through: after)
        }
        if record.parked != nil {
            answerParked(record, with: .superseded, in: &state, now: now, answers: &answers)
        }
        if record.isAway { comeBack(record, in: &state, now: now, answers: &answers) }
    }

    /// Puts `record`, whose poll is parked, into the hold wheel with a hold time drawn
    /// between 0.9 and 1.0 × refresh.
    func park(_ record: ClientRecord, in state: inout State, now: Duration) {
        // Drawn a tick above 0.9 × refresh: the wheel answers at the tick at or before it.
        // In whole nanoseconds: `Duration` times `Double` converted both ways on every park.
        let refresh = Int64(configuration.refresh.nanoseconds)
        let earliest = refresh / 10 * 9 + Int64(state.hold.resolution.nanoseconds)
        let span = refresh - earliest
        let offset = span >= 0 ? Int64.random(in: 0...span, using: &state.jitter) : -Int64.random(in: 0...(-span), using: &state.jitter)
        let tick = state.hold.insert(record, deadline: now + .nanoseconds(earliest + offset), now: now)
        state.metrics.parkedPolls += 1
        scheduleHoldTick(at: tick, in: &state)
    }

    /// Takes `record`'s poll out of the hold wheel; the last one out cancels the next
    /// sweep, which would find nothing.
    func removeFromHold(_ record: ClientRecord, in state: inout State) {
        state.hold.remove(record)
        if state.hold.count == 0, let scheduled = state.holdTick {
            scheduled.timer.cancel()
            state.holdTick = nil
        }
    }

    /// Forgets a parked request whose connection went away, without answering it. The
    /// client's expiry countdown starts now. Does nothing if it was answered already.
    public func cancelPoll(_ ticket: PollTicket) {
        let now = clock.now
        state.withLock { state in
            guard let record = state.clients[ticket.client], case .single(ticket.number, _)? = record.parked else { return }
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

    /// Has the clock sweep the hold wheel at `tick`, unless a sweep is scheduled no later.
    ///
    /// The wheel is swept only at ticks where a poll may be due, not at every tick: a
    /// server whose polls were all parked by one fan-out sleeps through their hold time.
    func scheduleHoldTick(at tick: Int64, in state: inout State) {
        // The tick alone is read on every park: binding the whole value would retain its timer.
        if let scheduled = state.holdTick?.tick, scheduled <= tick { return }
        state.holdTick?.timer.cancel()
        let timer = clock.schedule(at: state.hold.time(ofTick: tick)) { [weak self] in self?.holdTick(tick) }
        state.holdTick = ScheduledHoldTick(tick: tick, timer: timer)
    }

    /// Answers idle the parked polls whose hold time has passed, and schedules the sweep
    /// for the next poll that may be due.
    private func holdTick(_ tick: Int64) {
        let now = clock.now
        var answers = PendingAnswers()
        state.withLock { state in
            // A sweep cancelled too late to stop it runs anyway: it takes only what is due,
            // and leaves the sweep that replaced it scheduled.
            if state.holdTick?.tick == tick { state.holdTick = nil }
            for record in state.hold.removeDue(at: now) {
                switch record.parked {
                case nil:
                    continue
                case .single(_, let waiter):
                    record.parked = nil
                    state.metrics.parkedPolls -= 1
                    record.expiresAt = now + configuration.refresh + configuration.grace
                    answers.add(waiter, .events(OutputBatch.idle))
                case .shared(let poll):
                    answer(poll, in: &state, now: now, answers: &answers)
                }
            }
            if let next = state.hold.firstOccupiedTick() { scheduleHoldTick(at: next, in: &state) }
        }
        answers.deliver()
    }

    /// Unparks `record`'s own poll, if it has one, stopping its timer and starting the
    /// client's expiry countdown from now, the end of its last poll. A shared poll is
    /// not taken: ``answerParked(_:with:in:now:answers:)`` answers it for every member.
    func takeParked(_ record: ClientRecord, in state: inout State, now: Duration) -> OutputWaiter? {
        guard case .single(_, let waiter)? = record.parked else { return nil }
        record.parked = nil
        removeFromHold(record, in: &state)
        state.metrics.parkedPolls -= 1
        record.expiresAt = now + configuration.refresh + configuration.grace
        return waiter
    }

    /// Answers `record`'s parked poll, if any, with `answer`: its own poll so; a shared
    /// one at once for every member, `record` with `answer` and the others with what they
    /// have (``OutputAnswer/shuttingDown`` and ``OutputAnswer/unavailable`` answer the
    /// whole request so).
    func answerParked(_ record: ClientRecord, with answer: OutputAnswer, in state: inout State, now: Duration, answers: inout PendingAnswers) {
        switch record.parked {
        case nil:
            return
        case .single:
            if let waiter = takeParked(record, in: &state, now: now) { answers.add(waiter, answer) }
        case .shared(let poll):
            switch answer {
            case .shuttingDown, .unavailable:
                unpark(poll, in: &state, now: now)
                let waiter = poll.waiter
                let whole: MultiPollAnswer = if case .shuttingDown = answer { .shuttingDown } else { .unavailable }
                answers.add { waiter(whole) }
            default:
                self.answer(poll, overriding: (record, ClientPollResult(answer)), in: &state, now: now, answers: &answers)
            }
        }
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
