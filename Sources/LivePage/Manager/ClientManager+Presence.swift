import LivePageEvents
import Synchronization

extension ClientManager {
    /// Queues the full presence state as a new presence client's first event.
    func sendPresenceState(to record: ClientRecord, in state: inout State, answers: inout PendingAnswers) {
        let snapshot = record.location.snapshot
        let listed = record.info.presence == .list && snapshot.count <= configuration.presenceListLimit
        let event = Presence(
            location: record.location.name,
            content: .state(principals: listed ? snapshot.principals : nil, count: snapshot.count, anonymous: snapshot.anonymous)
        )
        record.presenceSeen = snapshot
        record.presenceListed = listed
        enqueue([EncodedEvent(event)], for: record, in: &state, now: clock.now, answers: &answers)
    }

    /// Notes that who is online at `location` changed. Presence events go out at once if
    /// none went out in the last presence interval, otherwise when it ends, carrying
    /// every change made meanwhile.
    func presenceChanged(at location: LocationState, in state: inout State, now: Duration, answers: inout PendingAnswers) {
        guard location.presenceClientCount > 0, location.flushTimer == nil else { return }
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
        let now = clock.now
        var answers = PendingAnswers()
        state.withLock { state in
            guard let location = state.locations[ExactName(name)] else { return }
            location.flushTimer = nil
            flushPresence(at: location, in: &state, now: now, answers: &answers)
        }
        answers.deliver()
    }

    /// What one presence client is sent: the kinds of update, each encoded once for all
    /// the clients that get the same one.
    private enum PresenceUpdate: Hashable {
        /// Totals only (count mode).
        case counts
        /// The full state without lists (list mode above the list limit).
        case stateWithoutLists
        /// The full state with the lists (list mode, coming back under the limit).
        case fullState
        /// The change from the snapshot a client last received.
        case change(from: ObjectIdentifier)
    }

    /// Sends each presence client at `location` what changed since the state it last
    /// received.
    private func flushPresence(at location: LocationState, in state: inout State, now: Duration, answers: inout PendingAnswers) {
        location.lastFlush = now
        let current = location.snapshot
        let overLimit = current.count > configuration.presenceListLimit
        var encoded: [PresenceUpdate: EncodedEvent?] = [:]
        for record in location.clients where record.info.presence != .none {
            guard let update = presenceUpdate(for: record, current: current, overLimit: overLimit) else { continue }
            let event: EncodedEvent?
            if let cached = encoded[update] {
                event = cached
            } else {
                event = presenceEvent(update, for: record, location: location.name, current: current)
                encoded[update] = event
            }
            record.presenceSeen = current
            record.presenceListed = record.info.presence == .list && !overLimit
            if let event {
                enqueue([event], for: record, in: &state, now: now, answers: &answers)
            }
        }
    }

    private func presenceUpdate(for record: ClientRecord, current: PresenceSnapshot, overLimit: Bool) -> PresenceUpdate? {
        guard let seen = record.presenceSeen, seen !== current else { return nil }
        let countsChanged = seen.count != current.count || seen.anonymous != current.anonymous
        switch record.info.presence {
        case .none:
            return nil
        case .count:
            return countsChanged ? .counts : nil
        case .list where overLimit:
            return countsChanged || record.presenceListed ? .stateWithoutLists : nil
        case .list where !record.presenceListed:
            return .fullState
        case .list:
            return .change(from: ObjectIdentifier(seen))
        }
    }

    /// The event for `update`, or `nil` when nothing a client would see has changed.
    private func presenceEvent(
        _ update: PresenceUpdate,
        for record: ClientRecord,
        location: String,
        current: PresenceSnapshot
    ) -> EncodedEvent? {
        let content: Presence.Content
        switch update {
        case .counts:
            content = .change(joined: nil, left: nil, count: current.count, anonymous: current.anonymous)
        case .stateWithoutLists:
            content = .state(principals: nil, count: current.count, anonymous: current.anonymous)
        case .fullState:
            content = .state(principals: current.principals, count: current.count, anonymous: current.anonymous)
        case .change:
            guard let seen = record.presenceSeen else { return nil }
            let (joined, left) = current.difference(from: seen)
            guard !joined.isEmpty || !left.isEmpty || seen.anonymous != current.anonymous else { return nil }
            content = .change(joined: joined, left: left, count: current.count, anonymous: current.anonymous)
        }
        return EncodedEvent(Presence(location: location, content: content))
    }
}
