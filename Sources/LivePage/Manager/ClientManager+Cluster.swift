import LivePageEvents
import Synchronization

/// What several servers sharing one site's clients exchange through the client manager:
/// their parts of who is online, and what happens when one loses the others. A bus reaches
/// these through its ``BusEndpoint``, not the manager's public API.
///
/// A bus to other servers (Redis, say) reports this server's part of presence with
/// ``observeLocalPresence(_:)``, tells the manager the others' parts with
/// ``setRemotePresence(_:at:)``, and, when it loses its link and may have missed
/// messages, makes that loud: ``suspendOutput()`` while it reconnects, then
/// ``dropAllClients(reason:)`` for the clients whose events it may have missed.
extension ClientManager {
    /// Reports this server's part of presence, one report per location that changed,
    /// at most once per presence interval, with the part as it is then.
    package typealias LocalPresenceObserver = BusEndpoint.LocalPresenceObserver

    /// Calls `observer` with this server's part of presence at each location where it
    /// changed (a principal's first tab opened or last one closed, an anonymous client
    /// came or went), coalesced over the presence interval. A location left with no
    /// client here is reported with ``PresencePart/empty``.
    package func observeLocalPresence(_ observer: @escaping LocalPresenceObserver) {
        localPresenceObserver.withLock { $0 = observer }
    }

    /// This server's part of presence at every location where it has clients, for a bus
    /// that (re)starts and must publish all of it.
    package var localPresence: [String: PresencePart] {
        state.withLock { state in
            var parts: [String: PresencePart] = [:]
            for location in state.locations.values { parts[location.name] = location.localPart }
            return parts
        }
    }

    /// Sets who is online at `location` on all the other servers together (`nil` or
    /// empty: nobody). Presence events go to this server's presence clients there if
    /// the merged state changed, and ``online(at:)`` answers with the merged state.
    package func setRemotePresence(_ part: PresencePart?, at location: String) {
        locked { state, now, answers in
            let key = ExactName(location)
            let part = part.flatMap { $0.isEmpty ? nil : $0 }
            guard state.remote[key] != part else { return }
            state.remote[key] = part
            guard let locationState = state.locations[key], locationState.setRemote(part) else { return }
            presenceChanged(at: locationState, in: &state, now: now, answers: &answers)
        }
    }

    /// Stops serving output: every parked poll and every poll until
    /// ``resumeOutput()`` is answered ``OutputAnswer/unavailable`` (503 with a spread
    /// `Retry-After`), so that no page waits on a server that may be missing events.
    package func suspendOutput() {
        let now = clock.now
        var answers = PendingAnswers()
        state.withLock { state in
            state.isOutputSuspended = true
            for record in state.clients.values {
                answerParked(record, with: .unavailable, in: &state, now: now, answers: &answers)
            }
        }
        answers.deliver()
    }

    /// Serves output again after ``suspendOutput()``.
    package func resumeOutput() {
        state.withLock { $0.isOutputSuspended = false }
    }

    /// Removes every client for `reason` (their polls are answered `410` with it):
    /// after this server may have missed events, no queue can be trusted, and pages that
    /// reload lose nothing. New registrations are served as usual.
    /// - Returns: How many clients were removed.
    @discardableResult
    package func dropAllClients(reason: ClientGoneReason) -> Int {
        let count = locked { state, now, answers in
            let records = state.everyone
            for record in records {
                remove(record, reason: reason, in: &state, now: now, answers: &answers)
            }
            return records.count
        }
        reportLocalPresence()
        return count
    }

    /// Notes that this server's part of presence at `location` changed, for the observer.
    func localPresenceChanged(at location: String, in state: inout State, now: Duration) {
        guard localPresenceObserver.withLock({ $0 != nil }) else { return }
        state.changedLocalParts.insert(ExactName(location))
        guard !state.localPartReportScheduled else { return }
        state.localPartReportScheduled = true
        _ = clock.schedule(at: now + configuration.presenceInterval) { [weak self] in
            self?.reportLocalPresence()
        }
    }

    /// Gives the observer the current local part of every location noted as changed.
    private func reportLocalPresence() {
        let parts = state.withLock { state -> [String: PresencePart] in
            state.localPartReportScheduled = false
            var parts: [String: PresencePart] = [:]
            for key in state.changedLocalParts {
                parts[key.string] = state.locations[key]?.localPart ?? .empty
            }
            state.changedLocalParts = []
            return parts
        }
        guard !parts.isEmpty, let observer = localPresenceObserver.withLock({ $0 }) else { return }
        observer(parts)
    }
}
