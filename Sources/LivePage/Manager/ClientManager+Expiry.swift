import Synchronization

extension ClientManager {
    /// Looks for expired clients every ``Configuration/expiryCheckInterval`` for as long
    /// as the manager exists.
    func scheduleExpiryCheck() {
        _ = clock.schedule(at: clock.now + configuration.expiryCheckInterval) { [weak self] in
            guard let self else { return }
            expireClients()
            scheduleExpiryCheck()
        }
    }

    /// Handles every client with no parked poll whose expiry time has passed: refresh +
    /// grace after its last poll ended, or the first-poll timeout after registering. A
    /// client that has polled goes away (it leaves who is online, its queue is kept) for
    /// the rest of the resume window; one that never polled, or whose window is over, is
    /// removed, `expired`.
    func expireClients() {
        locked { state, now, answers in
            let keptFor = configuration.resumeWindow - (configuration.refresh + configuration.grace)
            for record in state.everyone where record.parked == nil && record.expiresAt <= now {
                if !record.isAway, record.hasPolled, keptFor > .zero {
                    goAway(record, until: record.expiresAt + keptFor, in: &state, now: now, answers: &answers)
                } else {
                    remove(record, reason: .expired, in: &state, now: now, answers: &answers)
                }
            }
        }
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
