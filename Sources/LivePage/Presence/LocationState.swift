/// The clients at one location and who is online there. Lives inside the manager's lock.
final class LocationState {
    let name: String
    /// The clients, in no particular order; each knows its index here.
    private(set) var clients: [ClientRecord] = []
    /// For each principal here, how many of its clients (tabs) are open.
    private var principalTabs: [ExactName: Int] = [:]
    private(set) var anonymous = 0
    /// How many clients here asked for presence events.
    private(set) var presenceClientCount = 0
    /// The current state, built when first asked for after a change.
    private var cachedSnapshot: PresenceSnapshot?
    /// The pending coalesced presence flush, if one is scheduled.
    var flushTimer: TimerHandle?
    /// When presence events were last sent here.
    var lastFlush: Duration?
    /// Who is online here on the other servers of the site, if any.
    var remote: PresencePart? {
        didSet { if remote != oldValue { cachedSnapshot = nil } }
    }

    init(name: String) {
        self.name = name
    }

    var isEmpty: Bool { clients.isEmpty }

    /// Adds `client`; returns whether who is online changed (a new principal, or one
    /// more anonymous client).
    func add(_ client: ClientRecord) -> Bool {
        client.indexInLocation = clients.count
        clients.append(client)
        if client.info.presence != .none { presenceClientCount += 1 }
        let changed: Bool
        if let principal = client.info.principal.map(ExactName.init) {
            principalTabs[principal, default: 0] += 1
            changed = principalTabs[principal] == 1
        } else {
            anonymous += 1
            changed = true
        }
        if changed { cachedSnapshot = nil }
        return changed
    }

    /// Removes `client`; returns whether who is online changed.
    func remove(_ client: ClientRecord) -> Bool {
        let index = client.indexInLocation
        let last = clients.removeLast()
        if index < clients.count {
            clients[index] = last
            last.indexInLocation = index
        }
        client.indexInLocation = -1
        if client.info.presence != .none { presenceClientCount -= 1 }
        let changed: Bool
        if let principal = client.info.principal.map(ExactName.init) {
            let tabs = principalTabs[principal, default: 1] - 1
            principalTabs[principal] = tabs == 0 ? nil : tabs
            changed = tabs == 0
        } else {
            anonymous -= 1
            changed = true
        }
        if changed { cachedSnapshot = nil }
        return changed
    }

    /// This server's own part of who is online here.
    var localPart: PresencePart {
        PresencePart(principals: principalTabs.keys.map(\.string), anonymous: anonymous)
    }

    /// Who is online here now, on every server.
    var snapshot: PresenceSnapshot {
        if let cachedSnapshot { return cachedSnapshot }
        var principals = Set(principalTabs.keys)
        if let remote { principals.formUnion(remote.principals.map(ExactName.init)) }
        let snapshot = PresenceSnapshot(principals: principals.sorted().map(\.string), anonymous: anonymous + (remote?.anonymous ?? 0))
        cachedSnapshot = snapshot
        return snapshot
    }
}
