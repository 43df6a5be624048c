import LivePage

/// What this server knows of the other servers' parts of presence: by location, the part
/// of each live server there. Locations are told apart byte for byte, as the manager does.
struct PresenceReplica {
    private var parts: [[UInt8]: (location: String, byNode: [String: PresencePart])] = [:]
    private var locationsOfNode: [String: Set<[UInt8]>] = [:]

    /// The servers with a part somewhere.
    var nodes: Set<String> { Set(locationsOfNode.keys) }

    /// Sets `node`'s part at `location` (empty removes it).
    /// - Returns: The other servers' part at `location` now.
    mutating func set(_ part: PresencePart, of node: String, at location: String) -> PresencePart? {
        let key = Array(location.utf8)
        if part.isEmpty {
            parts[key]?.byNode[node] = nil
            locationsOfNode[node]?.remove(key)
            if locationsOfNode[node]?.isEmpty == true { locationsOfNode[node] = nil }
        } else {
            parts[key, default: (location, [:])].byNode[node] = part
            locationsOfNode[node, default: []].insert(key)
        }
        if parts[key]?.byNode.isEmpty == true { parts[key] = nil }
        return union(at: key)
    }

    /// Forgets every part of `node` (a server that died).
    /// - Returns: The locations where it had one, with the other servers' part there now.
    mutating func remove(node: String) -> [(location: String, part: PresencePart?)] {
        let keys = locationsOfNode.removeValue(forKey: node) ?? []
        return keys.compactMap { key in
            guard let location = parts[key]?.location else { return nil }
            parts[key]?.byNode[node] = nil
            if parts[key]?.byNode.isEmpty == true { parts[key] = nil }
            return (location, union(at: key))
        }
    }

    /// Every location with a part, and the union of its parts.
    var all: [(location: String, part: PresencePart)] {
        parts.compactMap { key, entry in union(at: key).map { (entry.location, $0) } }
    }

    /// The locations where `node` has a part.
    func locations(of node: String) -> [String] {
        (locationsOfNode[node] ?? []).compactMap { parts[$0]?.location }
    }

    private func union(at key: [UInt8]) -> PresencePart? {
        guard let byNode = parts[key]?.byNode, !byNode.isEmpty else { return nil }
        return PresencePart(
            principals: byNode.values.flatMap(\.principals),
            anonymous: byNode.values.reduce(0) { $0 + $1.anonymous }
        )
    }
}
