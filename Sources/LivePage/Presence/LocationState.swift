import LivePageEvents

/// The clients at one location and who is online there. Lives inside the manager's lock.
///
/// Who is online is kept up to date one change at a time: a join or a leave costs a
/// dictionary update and an entry in this interval's change log, never a rebuild, so the
/// cost of a join does not grow with the location. The sorted list of principals, which
/// only `list` clients and ``ClientManager/online(at:)`` need, is kept only while the
/// location is at or under the list limit (above it, nobody is sent a list).
final class LocationState {
    /// Whether a principal is online here on this server (and with how many tabs), on
    /// another server of the site, or both.
    private struct Membership {
        var localTabs = 0
        var isRemote = false
        /// The display name its latest client with one gave.
        var name: String?
        var isOnline: Bool { localTabs > 0 || isRemote }
    }

    let name: String
    /// Above this many principals, `list` clients get counts only.
    let listLimit: Int
    /// The clients, in no particular order; each knows its index here.
    private(set) var clients: [ClientRecord] = []
    /// The clients that asked for presence events (`list` or `count`); each knows its
    /// index here. Presence work never touches the others.
    private(set) var presenceClients: [ClientRecord] = []
    /// Every principal online here, on any server of the site.
    private var members: [ExactName: Membership] = [:]
    private(set) var localAnonymous = 0
    private var remoteAnonymous = 0
    /// The other servers' part, as last told.
    private var remotePrincipals: [ExactName] = []
    /// The principals sorted by bytes, while there are at most `listLimit` of them;
    /// `nil` above the limit, or until it is needed again after falling back under it.
    private var sortedPrincipals: [ExactName]? = []
    /// The full-state event of the current state, once encoded.
    private var cachedState: EncodedEvent?

    /// The joins (`true`) and leaves of this presence interval, in order. Only kept while
    /// presence clients are here; a flush hands them on and starts a new interval.
    private(set) var changes: [(name: ExactName, joined: Bool)] = []
    /// Counts presence intervals: a client that got the state during interval `g` at
    /// change `n` is sent, at the flush ending `g`, what changed from `n` on.
    private(set) var interval: UInt64 = 0
    /// The pending coalesced presence flush, if one is scheduled.
    var flushTimer: TimerHandle?
    /// When presence events were last sent here.
    var lastFlush: Duration?

    init(name: String, listLimit: Int) {
        self.name = name
        self.listLimit = listLimit
    }

    var isEmpty: Bool { clients.isEmpty }

    /// The number of distinct principals online here.
    var count: Int { members.count }

    /// The number of anonymous clients here, on every server.
    var anonymous: Int { localAnonymous + remoteAnonymous }

    /// Whether there are more principals than `list` clients are sent.
    var isOverListLimit: Bool { members.count > listLimit }

    /// Adds `client`; returns whether who is online changed (a new principal, or one
    /// more anonymous client).
    func add(_ client: ClientRecord) -> Bool {
        client.indexInLocation = clients.count
        clients.append(client)
        if client.info.presence != .none {
            client.indexInPresence = presenceClients.count
            presenceClients.append(client)
        }
        return rejoin(client)
    }

    /// Removes `client`; returns whether who is online here on this server changed. A
    /// client that is away has left who is online already.
    func remove(_ client: ClientRecord) -> Bool {
        Self.remove(client, from: &clients, index: \.indexInLocation)
        if client.info.presence != .none {
            Self.remove(client, from: &presenceClients, index: \.indexInPresence)
        }
        return client.isAway ? false : leave(client)
    }

    /// Counts `client` among who is online (it registered, or came back from away);
    /// returns whether who is online here on this server changed. It stays among the
    /// clients that sends reach either way.
    func rejoin(_ client: ClientRecord) -> Bool {
        guard let principal = client.info.principal.map(ExactName.init) else {
            localAnonymous += 1
            cachedState = nil
            return true
        }
        var membership = members[principal] ?? Membership()
        let wasOnline = membership.isOnline
        membership.localTabs += 1
        if let name = client.info.displayName, membership.name != name {
            membership.name = name
            cachedState = nil
        }
        members[principal] = membership
        if !wasOnline { joined(principal) }
        return membership.localTabs == 1
    }

    /// No longer counts `client` among who is online (it went away, or is removed);
    /// returns whether who is online here on this server changed.
    func leave(_ client: ClientRecord) -> Bool {
        guard let principal = client.info.principal.map(ExactName.init) else {
            localAnonymous -= 1
            cachedState = nil
            return true
        }
        guard var membership = members[principal] else { return false }
        membership.localTabs -= 1
        if membership.isOnline {
            members[principal] = membership
        } else {
            members[principal] = nil
            left(principal)
        }
        return membership.localTabs == 0
    }

    private static func remove(_ client: ClientRecord, from list: inout [ClientRecord], index: ReferenceWritableKeyPath<ClientRecord, Int>) {
        let position = client[keyPath: index]
        let last = list.removeLast()
        if position < list.count {
            list[position] = last
            last[keyPath: index] = position
        }
        client[keyPath: index] = -1
    }

    /// Sets who is online here on the other servers (`nil`: nobody); returns whether who
    /// is online here changed. Costs the size of the old and new parts, once per report.
    func setRemote(_ part: PresencePart?) -> Bool {
        let new = (part?.principals ?? []).map(ExactName.init)
        let newAnonymous = part?.anonymous ?? 0
        var changed = newAnonymous != remoteAnonymous
        remoteAnonymous = newAnonymous
        var (old, added) = (remotePrincipals[...], new[...])
        while !old.isEmpty || !added.isEmpty {
            if let gone = old.first, added.first.map({ gone < $0 }) ?? true {
                old.removeFirst()
                guard var membership = members[gone] else { continue }
                membership.isRemote = false
                if membership.isOnline {
                    members[gone] = membership
                } else {
                    members[gone] = nil
                    left(gone)
                    changed = true
                }
            } else if let came = added.first, old.first.map({ came < $0 }) ?? true {
                added.removeFirst()
                var membership = members[came] ?? Membership()
                let wasOnline = membership.isOnline
                membership.isRemote = true
                members[came] = membership
                if !wasOnline {
                    joined(came)
                    changed = true
                }
            } else {
                old.removeFirst()
                added.removeFirst()
            }
        }
        remotePrincipals = new
        if changed { cachedState = nil }
        return changed
    }

    private func joined(_ principal: ExactName) {
        cachedState = nil
        if !presenceClients.isEmpty { changes.append((principal, true)) }
        guard var sorted = sortedPrincipals else { return }
        sortedPrincipals = nil
        guard members.count <= listLimit else { return }
        sorted.insert(principal, at: Self.insertionIndex(of: principal, in: sorted))
        sortedPrincipals = sorted
    }

    private func left(_ principal: ExactName) {
        cachedState = nil
        if !presenceClients.isEmpty { changes.append((principal, false)) }
        guard var sorted = sortedPrincipals else { return }
        sortedPrincipals = nil
        let index = Self.insertionIndex(of: principal, in: sorted)
        if index < sorted.count, sorted[index] == principal { sorted.remove(at: index) }
        sortedPrincipals = sorted
    }

    private static func insertionIndex(of name: ExactName, in sorted: [ExactName]) -> Int {
        var (low, high) = (0, sorted.count)
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < name { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The display name of `principal`, if it is online here with one.
    func displayName(of principal: ExactName) -> String? {
        members[principal]?.name
    }

    /// The principals online here, sorted by bytes, or `nil` above the list limit.
    /// Costs at most a sort of `listLimit` names, after the location fell back under it.
    var principals: [String]? {
        guard members.count <= listLimit else { return nil }
        if sortedPrincipals == nil { sortedPrincipals = members.keys.sorted() }
        return sortedPrincipals?.map(\.string)
    }

    /// The full state as an event: with the lists when `listed` and under the limit,
    /// otherwise the totals. The listed form is encoded once per state.
    func stateEvent(listed: Bool) -> EncodedEvent {
        guard listed, !isOverListLimit else {
            return EncodedEvent(Presence(location: name, content: .state(principals: nil, count: count, anonymous: anonymous)))
        }
        if let cachedState { return cachedState }
        let listed = principals
        var names: [String: String] = [:]
        for principal in sortedPrincipals ?? [] {
            if let name = members[principal]?.name { names[principal.string] = name }
        }
        let event = EncodedEvent(
            Presence(location: name, content: .state(principals: listed, count: count, anonymous: anonymous), names: names))
        cachedState = event
        return event
    }

    /// This server's own part of who is online here.
    var localPart: PresencePart {
        PresencePart(principals: members.compactMap { $0.value.localTabs > 0 ? $0.key.string : nil }, anonymous: localAnonymous)
    }

    /// Ends the presence interval: what changed in it, and the state now, for the flush
    /// that tells the presence clients.
    func endInterval() -> PresenceFlush {
        let flush = PresenceFlush(location: self, interval: interval, changes: changes)
        changes = []
        interval += 1
        return flush
    }
}
