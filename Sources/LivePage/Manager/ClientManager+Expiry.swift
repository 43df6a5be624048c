import Synchronization

extension ClientManager {
    /// How many clients one locked section of an expiry pass looks at: about as long under
    /// the lock as a slice of deliveries.
    static let expirySlice = 16_384

    /// Looks for expired clients every ``Configuration/expiryCheckInterval`` for as long
    /// as the manager exists.
    func scheduleExpiryCheck() {
        _ = clock.schedule(at: clock.now + configuration.expiryCheckInterval) { [weak self] in
            self?.expireClients(from: 0)
        }
    }

    /// Looks at up to ``expirySlice`` clients from `start` in ``State/everyone`` for those
    /// with no parked poll whose expiry time has passed: refresh + grace after their last
    /// poll ended, or the first-poll timeout after registering. A client that has polled
    /// goes away (it leaves who is online, its queue is kept) for the rest of the resume
    /// window; one that never polled, or whose window is over, is removed, `expired`.
    ///
    /// A pass over every client takes one slice per clock timer, so that a server of
    /// 100,000 clients never holds the lock, or its event loop, for a whole pass: seven
    /// slices of about 0.6 ms instead of 3 to 4 ms at once (100,000 registered clients,
    /// none expiring, on the reference machine). The next slice runs at once, the next pass
    /// an interval after this one ends. A client that moves to an index already passed (the
    /// last client takes the place of one removed meanwhile) is found by the next pass, an
    /// interval late at most.
    func expireClients(from start: Int) {
        let next = locked { state, now, answers -> Int? in
            let keptFor = configuration.resumeWindow - (configuration.refresh + configuration.grace)
            var index = start
            var budget = Self.expirySlice
            while budget > 0, index < state.everyone.count {
                budget -= 1
                let record = state.everyone[index]
                guard record.parked == nil, record.expiresAt <= now else {
                    index += 1
                    continue
                }
                if !record.isAway, record.hasPolled, keptFor > .zero {
                    goAway(record, until: record.expiresAt + keptFor, in: &state, now: now, answers: &answers)
                    index += 1
                } else {
                    // The last client takes its place: look at that index again.
                    remove(record, reason: .expired, in: &state, now: now, answers: &answers)
                    if index < state.everyone.count, state.everyone[index] === record { index += 1 }
                }
            }
            return index < state.everyone.count ? index : nil
        }
        guard let next else { return scheduleExpiryCheck() }
        _ = clock.schedule(at: clock.now) { [weak self] in self?.expireClients(from: next) }
    }

    /// Takes `record` out of who is online, keeping its queue until `deadline`.
    private func goAway(_ record: ClientRecord, until deadline: Duration, in state: inout State, now: Duration, answers: inout PendingAnswers) {
        record.isAway = true
        record.expiresAt = deadline
        state.metrics.clientsAway += 1
        guard record.location.leave(record) else { return }
        localPresenceChanged(at: record.location.name, in: &state, now: now)
        presenceChanged(at: record.location, in: &state, now: now, answers: &answers)
    }

    /// Brings `record`, which was away, back into who is online: its page polls again.
    func comeBack(_ record: ClientRecord, in state: inout State, now: Duration, answers: inout PendingAnswers) {
        record.isAway = false
        state.metrics.clientsAway -= 1
        state.metrics.resumes += 1
        guard record.location.rejoin(record) else { return }
        localPresenceChanged(at: record.location.name, in: &state, now: now)
        presenceChanged(at: record.location, in: &state, now: now, answers: &answers)
    }
}
