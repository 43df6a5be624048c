import LivePageEvents
import Synchronization

extension ClientManager {
    /// Queues the full presence state as a new presence client's first event: with the
    /// lists for a `list` client at or under the list limit, the totals otherwise.
    func sendPresenceState(to record: ClientRecord, in state: inout State, answers: inout PendingAnswers) {
        let location = record.location
        let listed = record.info.presence == .list && !location.isOverListLimit
        record.presenceInterval = location.interval
        record.presenceMark = location.changes.count
        record.presenceListed = listed
        record.presenceCounts = (location.count, location.anonymous)
        enqueue([location.stateEvent(listed: listed)], for: record, in: &state, now: clock.now, answers: &answers)
    }

    /// Notes that who is online at `location` changed. Presence events go out at once if
    /// none went out in the last presence interval, otherwise when it ends, carrying
    /// every change made meanwhile.
    func presenceChanged(at location: LocationState, in state: inout State, now: Duration, answers: inout PendingAnswers) {
        guard !location.presenceClients.isEmpty, location.flushTimer == nil else { return }
        let due = location.lastFlush.map { $0 + configuration.presenceInterval } ?? now
        if now >= due {
            flushPresence(at: location, in: &state, now: now, answers: &answers)
        } else {
            let name = location.name
            location.flushTimer = clock.schedule(at: due) { [weak self] in
                self?.presenceIntervalEnded(at: name)
            }
        }
    }

    private func presenceIntervalEnded(at name: String) {
        locked { state, now, answers in
            guard let location = state.locations[ExactName(name)] else { return }
            location.flushTimer = nil
            flushPresence(at: location, in: &state, now: now, answers: &answers)
        }
    }

    /// Ends the presence interval at `location` and sends each presence client there what
    /// changed since the state it last received, as a delivery: in slices, in order with
    /// the sends around it.
    private func flushPresence(at location: LocationState, in state: inout State, now: Duration, answers: inout PendingAnswers) {
        location.lastFlush = now
        let flush = location.endInterval()
        let scope = Delivery.Scope.location(ExactName(location.name))
        state.deliveries.append(Delivery(.presence(flush), to: location.presenceClients, scope: scope, completion: nil))
    }
}
