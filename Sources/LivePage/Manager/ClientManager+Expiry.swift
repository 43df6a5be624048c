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

    /// Removes every client with no parked poll whose expiry time has passed: refresh +
    /// grace after its last poll ended, or the first-poll timeout after registering.
    func expireClients() {
        locked { state, now, answers in
            for record in state.everyone where record.parked == nil && record.expiresAt <= now {
                remove(record, reason: .expired, in: &state, now: now, answers: &answers)
            }
        }
    }
}
