import Synchronization

/// One long-poll for several clients: the tabs of one browser share a single request
/// (browsers allow six connections per host over HTTP/1.1, and every tab would otherwise
/// hold one). It is one parked request with one waiter, not several polls: a send to any
/// member answers it for all, with each member's events, and answering it unparks it
/// from every member. For each member it counts as that client's poll: `after` is
/// acknowledged, a parked poll of the client is superseded, the client is online, and
/// its expiry countdown starts when the request is answered.
extension ClientManager {
    /// What happened to a poll for several clients: answered at once, or parked.
    public enum MultiPollOutcome: Sendable {
        /// The request is answered now; the waiter will not be called.
        case answered(MultiPollAnswer)
        /// The request is parked; the waiter will be called once, unless the poll is
        /// cancelled with ``ClientManager/cancelPoll(_:)-(MultiPollTicket)`` first.
        case parked(MultiPollTicket)
    }

    /// Names one parked poll for several clients, to cancel it when its connection goes
    /// away.
    public struct MultiPollTicket: Sendable, Hashable {
        /// The first member, whose record holds the poll while it is parked.
        let anchor: ClientID
        let number: UInt64
    }

    /// Asks for the events of several clients at once.
    ///
    /// Answered at once when any client has events waiting, or cannot be polled (gone,
    /// or `after` too high): every client then gets its result, in the order asked, the
    /// others an empty batch. Otherwise the request parks until events are queued for
    /// any of them, or one is superseded, closed or evicted, or the hold time (0.9 to
    /// 1.0 × refresh) passes. Each client's events obey the batch limits of a single
    /// poll.
    ///
    /// - Parameters:
    ///   - requests: The clients and their `after`s: at least one, at most
    ///     ``Configuration/maximumClientsPerPoll``, each client once.
    ///   - waiter: Answers the request if it parks; called once, on any thread.
    /// - Returns: The answer, or the ticket of the parked request.
    /// - Throws: ``ManagerError/invalidMultiPoll(_:)`` for no client, too many, or one
    ///   named twice.
    public func poll(_ requests: [PollRequest], waiter: @escaping MultiPollWaiter) throws(ManagerError) -> MultiPollOutcome {
        let limit = configuration.maximumClientsPerPoll
        guard !requests.isEmpty, requests.count <= limit else {
            throw .invalidMultiPoll("must name 1 to \(limit) clients")
        }
        var seen = Set<ClientID>(minimumCapacity: requests.count)
        for request in requests {
            if let client = request.client, !seen.insert(client).inserted {
                throw .invalidMultiPoll("must name each client once")
            }
        }
        return locked { state, now, answers -> MultiPollOutcome in
            guard !state.isShuttingDown else { return .answered(.shuttingDown) }
            guard !state.isOutputSuspended else {
                // As for a single poll: a page answered 503 is still there, and must not
                // expire meanwhile.
                for request in requests {
                    guard let id = request.client, let record = state.clients[id] else { continue }
                    record.expiresAt = now + configuration.refresh + configuration.grace
                }
                return .answered(.unavailable)
            }
            var members: [ClientRecord] = []
            var refused: [Int: ClientPollResult] = [:]
            var hasEvents = false
            for (index, request) in requests.enumerated() {
                guard let id = request.client, let record = state.clients[id] else {
                    refused[index] = .gone(request.client.map { state.gone.reason(for: $0) } ?? .unknown)
                    continue
                }
                guard request.after <= record.lastSeq else {
                    refused[index] = .afterBeyondLastSeq
                    continue
                }
                startPolling(record, after: request.after, in: &state, now: now, answers: &answers)
                hasEvents = hasEvents || !record.queue.isEmpty
                members.append(record)
            }
            guard refused.isEmpty, !hasEvents else {
                var results: [ClientPollResult] = []
                var next = members.makeIterator()
                for index in requests.indices {
                    if let result = refused[index] {
                        results.append(result)
                    } else if let record = next.next() {
                        results.append(.events(batchOrIdle(for: record, in: &state, now: now)))
                    }
                }
                return .answered(.results(results))
            }
            state.nextTicket += 1
            let poll = SharedPoll(ticket: state.nextTicket, waiter: waiter, members: members)
            for record in members { record.parked = .shared(poll) }
            park(members[0], in: &state, now: now)
            return .parked(MultiPollTicket(anchor: members[0].info.id, number: poll.ticket))
        }
    }

    /// Forgets a parked poll for several clients whose connection went away, without
    /// answering it. Each client's expiry countdown starts now. Does nothing if it was
    /// answered already.
    public func cancelPoll(_ ticket: MultiPollTicket) {
        let now = clock.now
        state.withLock { state in
            guard let record = state.clients[ticket.anchor], case .shared(let poll)? = record.parked,
                poll.ticket == ticket.number
            else { return }
            unpark(poll, in: &state, now: now)
        }
    }

    /// Answers `poll` for every member: each with its events, or an empty batch; a member
    /// no longer registered with why it is gone; `overriding`'s member with its result.
    func answer(
        _ poll: SharedPoll,
        overriding: (record: ClientRecord, result: ClientPollResult)? = nil,
        in state: inout State,
        now: Duration,
        answers: inout PendingAnswers
    ) {
        guard !poll.isFinished else { return }
        unpark(poll, in: &state, now: now)
        var results: [ClientPollResult] = []
        results.reserveCapacity(poll.members.count)
        for record in poll.members {
            if let overriding, overriding.record === record {
                results.append(overriding.result)
            } else if !record.isRegistered {
                results.append(.gone(state.gone.reason(for: record.info.id)))
            } else {
                results.append(.events(batchOrIdle(for: record, in: &state, now: now)))
            }
        }
        let waiter = poll.waiter
        let answer = MultiPollAnswer.results(results)
        answers.add { waiter(answer) }
    }

    /// Takes `poll` off every member and out of the hold wheel, starting each member's
    /// expiry countdown from now.
    func unpark(_ poll: SharedPoll, in state: inout State, now: Duration) {
        guard !poll.isFinished else { return }
        poll.isFinished = true
        removeFromHold(poll.members[0], in: &state)
        state.metrics.parkedPolls -= 1
        for record in poll.members {
            guard case .shared(let parked)? = record.parked, parked === poll else { continue }
            record.parked = nil
            record.expiresAt = now + configuration.refresh + configuration.grace
        }
    }

    /// Answers the shared polls that events were queued for in this locked section.
    func answerDueSharedPolls(in state: inout State, now: Duration, answers: inout PendingAnswers) {
        let due = state.dueSharedPolls
        state.dueSharedPolls = []
        for poll in due {
            poll.isDue = false
            answer(poll, in: &state, now: now, answers: &answers)
        }
    }

    /// `record`'s next batch, or an empty one (ending its poll all the same).
    private func batchOrIdle(for record: ClientRecord, in state: inout State, now: Duration) -> OutputBatch {
        guard record.queue.isEmpty else { return makeBatch(for: record, in: &state) }
        record.expiresAt = now + configuration.refresh + configuration.grace
        return OutputBatch.idle
    }
}
