import LivePageEvents
import Synchronization

/// A principal's first tab at a location opened on this server, or its last one there
/// closed: what a presence webhook tells a backend.
public struct PresenceChange: Sendable, Hashable {
    /// The location.
    public let location: String
    /// The principal.
    public let principal: String
    /// Whether it joined (`true`) or left.
    public let joined: Bool
    /// Its display name, for a join whose client carried one (``ClientInfo/displayName``).
    public let displayName: String?

    /// A change: `principal` joined (or left) `location`, with its `displayName` if any.
    public init(location: String, principal: String, joined: Bool, displayName: String?) {
        self.location = location
        self.principal = principal
        self.joined = joined
        self.displayName = displayName
    }
}

extension ClientManager {
    /// Called with each ``PresenceChange`` of this server's own clients, after the
    /// manager's lock is released, on the thread that made the change; it must only
    /// note the change (a webhook sends them later, coalesced).
    public typealias PresenceChangeObserver = @Sendable (PresenceChange) -> Void

    /// Calls `observer` with every join and leave of a principal at a location among this
    /// server's clients (with several servers, each reports its own). Anonymous clients
    /// are not reported.
    public func observePresenceChanges(_ observer: @escaping PresenceChangeObserver) {
        presenceChangeObserver.withLock { $0 = observer }
    }

    /// Notes, for the observer, that `record`'s principal joined or left its location
    /// here. Costs a lock read when nobody observes; never more than one closure.
    func principalChanged(_ record: ClientRecord, joined: Bool, answers: inout PendingAnswers) {
        guard let principal = record.info.principal, let observer = presenceChangeObserver.withLock({ $0 }) else { return }
        let change = PresenceChange(
            location: record.info.location, principal: principal, joined: joined, displayName: joined ? record.info.displayName : nil)
        answers.add { observer(change) }
    }
}
