import LivePage
import LivePageEvents
import LivePageRedis
import Synchronization

/// Presence across servers. Each server keeps its part of each location in the hash
/// `<prefix>:presence:<location>`, under its incarnation, with the locations it has parts
/// at in `<prefix>:locations:<incarnation>`, announces each change on the presence
/// channel, and refreshes its liveness key `<prefix>:node:<incarnation>`. The others keep
/// a replica of those parts; a server whose liveness key expired is dropped from it, and
/// its leftovers from Redis.
extension RedisEventBus {
    func nodeKey(_ node: String) -> String { configuration.keyPrefix + ":node:" + node }
    func locationsKey(_ node: String) -> String { configuration.keyPrefix + ":locations:" + node }
    func presenceKey(_ location: String) -> String { configuration.keyPrefix + ":presence:" + location }

    /// Says this server is alive for the liveness timeout.
    func heartbeat() async throws(RedisError) {
        try await command.set(nodeKey(incarnation), to: Array(String(configuration.nodeTag).utf8), expiringAfter: configuration.livenessTimeout)
    }

    /// Every heartbeat interval: says this server is alive, and drops servers that are not.
    /// After a heartbeat or a presence write failed, this server's whole part is written
    /// again: the others dropped it when its liveness expired, or Redis missed a change.
    func keepAlive() async {
        var heartbeatFailed = false
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.heartbeatInterval)
            guard !Task.isCancelled else { return }
            do {
                try await heartbeat()
                heartbeatFailed = false
                if state.withLock({ $0.mustRepublishPresence }) { await republishPresence() }
                try await dropDeadNodes()
            } catch {
                if !heartbeatFailed { log("redis: heartbeat failed (\(error)); retrying") }
                heartbeatFailed = true
                state.withLock { $0.mustRepublishPresence = true }
            }
        }
    }

    /// Writes this server's whole part again, in order with its other reports: every
    /// location where it has clients, and an empty part where Redis still has one of its
    /// parts but it has no client any more.
    func republishPresence() async {
        guard
            let manager = state.withLock({ state -> BusEndpoint? in
                state.mustRepublishPresence = false
                return state.manager
            })
        else { return }
        var parts = manager.localPresence
        do {
            let present = Set(parts.keys.map { Array($0.utf8) })
            for location in try await command.members(ofSet: locationsKey(incarnation)) where !present.contains(Array(location.utf8)) {
                parts[location] = .empty
            }
        } catch {
            state.withLock { $0.mustRepublishPresence = true }
        }
        presenceReports.yield(parts)
    }

    /// Removes the parts of servers whose liveness key is gone, here and in Redis.
    private func dropDeadNodes() async throws(RedisError) {
        let nodes = state.withLock { $0.replica.nodes }.subtracting([incarnation])
        for node in nodes where try await command.get(nodeKey(node)) == nil {
            let (changes, manager) = state.withLock { state in (state.replica.remove(node: node), state.manager) }
            log("redis: server \(node) stopped; its principals leave \(changes.count) locations")
            for (location, part) in changes {
                manager?.setRemotePresence(part, at: location)
                _ = try await command.deleteFields([node], fromHash: presenceKey(location))
            }
            _ = try await command.delete([locationsKey(node)])
        }
    }

    /// Reads every live server's parts from Redis into the replica, replacing it, and
    /// tells the manager (if attached) what changed. Parts of dead servers are removed.
    func loadPresence() async throws(RedisError) {
        var replica = PresenceReplica()
        var alive: [String: Bool] = [incarnation: false]
        let prefix = configuration.keyPrefix + ":presence:"
        for key in try await command.keys(matching: prefix + "*") {
            let location = String(key.dropFirst(prefix.count))
            for (node, value) in try await command.fields(ofHash: key) {
                if alive[node] == nil { alive[node] = try await command.get(nodeKey(node)) != nil }
                guard alive[node] == true else {
                    if node != incarnation { _ = try await command.deleteFields([node], fromHash: key) }
                    continue
                }
                guard let part = Self.decodePart(value) else { continue }
                _ = replica.set(part, of: node, at: location)
            }
        }
        let (previous, manager) = state.withLock { state in
            defer { state.replica = replica }
            return (state.replica.all.map(\.location), state.manager)
        }
        guard let manager else { return }
        let current = replica.all
        for location in previous where !current.contains(where: { $0.location.utf8.elementsEqual(location.utf8) }) {
            manager.setRemotePresence(nil, at: location)
        }
        for (location, part) in current { manager.setRemotePresence(part, at: location) }
    }

    /// Another server's part changed: update the replica and the manager.
    func receivePresence(_ payload: [UInt8]) {
        guard let object = (try? JSONValue(parsing: payload))?.objectValue,
            let node = object["node"]?.stringValue, let location = object["location"]?.stringValue,
            let part = Self.decodePart(object)
        else {
            log("redis: skipped a presence message that is not LivePage's")
            return
        }
        guard node != incarnation else { return }
        let (union, manager) = state.withLock { state in
            (state.replica.set(part, of: node, at: location), state.manager)
        }
        manager?.setRemotePresence(union, at: location)
    }

    /// Writes this server's presence reports to Redis, one at a time, in order.
    func writePresence(_ reports: AsyncStream<[String: PresencePart]>) async {
        for await parts in reports {
            for (location, part) in parts { await writeLocalPart(part, at: location) }
        }
    }

    /// Stores this server's part at `location` and announces it.
    func writeLocalPart(_ part: PresencePart, at location: String) async {
        do {
            if part.isEmpty {
                _ = try await command.deleteFields([incarnation], fromHash: presenceKey(location))
                _ = try await command.removeMembers([location], fromSet: locationsKey(incarnation))
            } else {
                _ = try await command.setFields([incarnation: Self.encode(part)], inHash: presenceKey(location))
                _ = try await command.addMembers([location], toSet: locationsKey(incarnation))
            }
            var message = Self.partJSON(part)
            message["node"] = .string(incarnation)
            message["location"] = .string(location)
            _ = try await command.publish(message.jsonBytes(htmlSafe: false), to: presenceChannel)
        } catch {
            state.withLock { $0.mustRepublishPresence = true }
            log("redis: could not write this server's presence (\(error)); it is written again once Redis is back")
        }
    }

    static func partJSON(_ part: PresencePart) -> JSONObject {
        ["principals": .array(part.principals.map { .string($0) }), "anonymous": .number(JSONNumber(part.anonymous))]
    }

    static func encode(_ part: PresencePart) -> [UInt8] {
        partJSON(part).jsonBytes(htmlSafe: false)
    }

    static func decodePart(_ bytes: [UInt8]) -> PresencePart? {
        (try? JSONValue(parsing: bytes))?.objectValue.flatMap(decodePart)
    }

    static func decodePart(_ object: JSONObject) -> PresencePart? {
        guard let list = object["principals"]?.arrayValue,
            let anonymous = object["anonymous"].flatMap({ value -> Int? in
                if case .number(let number) = value { return number.intValue }
                return nil
            })
        else { return nil }
        let principals = list.compactMap(\.stringValue)
        guard principals.count == list.count, anonymous >= 0 else { return nil }
        return PresencePart(principals: principals, anonymous: anonymous)
    }
}
