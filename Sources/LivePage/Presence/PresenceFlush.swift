import LivePageEvents

/// The end of one presence interval at a location: what each presence client there is
/// sent, decided client by client as a delivery reaches it.
///
/// Clients that were told the same thing share one encoded event: everyone who was up to
/// date at the start of the interval gets the same change, `count` clients the same totals.
/// A `list` client that registered during the interval was sent the state as it was then,
/// so it gets the change from that point on, worked out from the interval's change log;
/// when that part of the log is long, the full state is cheaper to share and is sent
/// instead. So the work is bounded by the interval's changes and the list limit, never by
/// the location's size.
final class PresenceFlush {
    /// Beyond this many changes since a client got the state, it is sent the full state.
    static let longestChangeReplay = 64

    let location: String
    /// The interval this flush ends.
    let interval: UInt64
    let count: Int
    let anonymous: Int
    let isOverListLimit: Bool
    private let changes: [(name: ExactName, joined: Bool)]
    private let fullState: EncodedEvent
    private let totals: EncodedEvent
    /// The change from each point of the log that some client got the state at.
    private var changeFrom: [Int: EncodedEvent?] = [:]
    /// The change with empty lists, for list clients that only missed new totals.
    private var onlyCountsChanged: EncodedEvent?
    /// The display names of principals that joined in the interval, as of its end.
    private let names: [ExactName: String]

    init(location: LocationState, interval: UInt64, changes: [(name: ExactName, joined: Bool)]) {
        self.location = location.name
        self.interval = interval
        self.changes = changes
        self.count = location.count
        self.anonymous = location.anonymous
        self.isOverListLimit = location.isOverListLimit
        self.fullState = location.stateEvent(listed: true)
        self.totals = location.stateEvent(listed: false)
        var names: [ExactName: String] = [:]
        for (name, joined) in changes where joined {
            if let display = location.displayName(of: name) { names[name] = display }
        }
        self.names = names
    }

    /// What `record` is sent, if anything, and notes that it now knows the new state.
    func event(for record: ClientRecord) -> EncodedEvent? {
        defer {
            record.presenceInterval = interval + 1
            record.presenceMark = 0
            record.presenceListed = record.info.presence == .list && !isOverListLimit
            record.presenceCounts = (count, anonymous)
        }
        let countsChanged = record.presenceCounts != (count, anonymous)
        switch record.info.presence {
        case .none:
            return nil
        case .count:
            return countsChanged ? totals : nil
        case .list where isOverListLimit:
            return countsChanged || record.presenceListed ? totals : nil
        case .list:
            // Everyone up to date at the start shares one change, however long; a client
            // that joined in the interval gets its own, unless it is long.
            guard record.presenceListed, record.presenceInterval == interval,
                record.presenceMark == 0 || changes.count - record.presenceMark <= Self.longestChangeReplay
            else { return fullState }
            let change = changeFrom[record.presenceMark] ?? makeChange(from: record.presenceMark)
            changeFrom[record.presenceMark] = change
            if let change { return change }
            guard countsChanged else { return nil }
            // Only the anonymous count moved: a change with empty lists.
            let unchanged = onlyCountsChanged ?? EncodedEvent(Presence(location: location, content: .change(joined: [], left: [], count: count, anonymous: anonymous)))
            onlyCountsChanged = unchanged
            return unchanged
        }
    }

    /// The net change of the log from `start` on: who was offline before and online
    /// after, and the reverse; `nil` if nobody is in either.
    private func makeChange(from start: Int) -> EncodedEvent? {
        var net: [ExactName: (wasOnline: Bool, isOnline: Bool)] = [:]
        for (name, joined) in changes[min(start, changes.count)...] {
            if let seen = net[name] {
                net[name] = (seen.wasOnline, joined)
            } else {
                net[name] = (!joined, joined)
            }
        }
        var joined: [ExactName] = []
        var left: [ExactName] = []
        for (name, change) in net where change.wasOnline != change.isOnline {
            if change.isOnline { joined.append(name) } else { left.append(name) }
        }
        guard !joined.isEmpty || !left.isEmpty else { return nil }
        let content = Presence.Content.change(
            joined: joined.sorted().map(\.string),
            left: left.sorted().map(\.string),
            count: count,
            anonymous: anonymous
        )
        var joinedNames: [String: String] = [:]
        for principal in joined {
            if let name = names[principal] { joinedNames[principal.string] = name }
        }
        return EncodedEvent(Presence(location: location, content: content, names: joinedNames))
    }
}
