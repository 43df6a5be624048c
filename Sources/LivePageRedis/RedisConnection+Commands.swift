import LivePageSystem

/// Typed helpers for the commands LivePage uses, on top of `send(_:)`: each builds the
/// command, sends it, and reads the reply as the shape the command has.
///
/// Every helper throws what `send(_:)` throws, and `RedisError.unexpectedReply(to:)` if
/// the reply has another shape (a key of another type, say). Keys, channels, fields and
/// members are text; values and payloads are bytes (any `Collection<UInt8>`, such as
/// `[UInt8]` or `"text".utf8`).
extension RedisConnection {
    /// `PING`: checks that Redis answers.
    public func ping() async throws(RedisError) {
        let reply = try await send(["PING"])
        guard reply == .simpleString("PONG") else { throw Self.unexpected(reply, to: "PING") }
    }

    /// `GET`: the value of `key`, or `nil` if there is none.
    public func get(_ key: String) async throws(RedisError) -> [UInt8]? {
        let reply = try await send(["GET", key])
        if reply.isNull { return nil }
        guard case .bulkString(let bytes) = reply else { throw Self.unexpected(reply, to: "GET") }
        return bytes
    }

    /// `SET`, with `PX` for an expiry.
    /// - Parameters:
    ///   - key: The key.
    ///   - value: The bytes to store.
    ///   - expiry: How long the key lives, in whole milliseconds (at least 1); `nil` (the
    ///     default) for no expiry.
    ///   - onlyIfAbsent: Sets only if the key does not exist (`NX`). Default `false`.
    /// - Returns: Whether the value was set (`false` only with `onlyIfAbsent`).
    @discardableResult
    public func set(
        _ key: String, to value: some Collection<UInt8>, expiringAfter expiry: Duration? = nil,
        onlyIfAbsent: Bool = false
    ) async throws(RedisError) -> Bool {
        var arguments: [[UInt8]] = [Array("SET".utf8), Array(key.utf8), Array(value)]
        if let expiry { arguments += [Array("PX".utf8), Array(String(Self.milliseconds(expiry)).utf8)] }
        if onlyIfAbsent { arguments.append(Array("NX".utf8)) }
        let reply = try await send(arguments)
        if reply.isNull { return false }
        guard reply == .simpleString("OK") else { throw Self.unexpected(reply, to: "SET") }
        return true
    }

    /// `DEL`: removes `keys`.
    /// - Returns: How many existed.
    @discardableResult
    public func delete(_ keys: [String]) async throws(RedisError) -> Int {
        try await integer(["DEL"] + keys)
    }

    /// `PEXPIRE`: makes `key` expire after `expiry` (whole milliseconds, at least 1).
    /// - Returns: Whether the key exists (and so got the expiry).
    @discardableResult
    public func expire(_ key: String, after expiry: Duration) async throws(RedisError) -> Bool {
        try await integer(["PEXPIRE", key, String(Self.milliseconds(expiry))]) == 1
    }

    /// `PUBLISH`: posts `payload` on `channel`.
    /// - Returns: How many subscribers (on all nodes) received it.
    @discardableResult
    public func publish(_ payload: some Collection<UInt8>, to channel: String) async throws(RedisError) -> Int {
        try await integer([Array("PUBLISH".utf8), Array(channel.utf8), Array(payload)])
    }

    /// `INCR`: adds one to the integer at `key` (0 if absent).
    /// - Returns: The new value.
    public func increment(_ key: String) async throws(RedisError) -> Int {
        try await integer(["INCR", key])
    }

    /// `HSET`: sets `fields` of the hash at `key`.
    /// - Returns: How many fields were new.
    @discardableResult
    public func setFields(_ fields: [String: [UInt8]], inHash key: String) async throws(RedisError) -> Int {
        var arguments: [[UInt8]] = [Array("HSET".utf8), Array(key.utf8)]
        for (field, value) in fields.sorted(by: { $0.key < $1.key }) { arguments += [Array(field.utf8), value] }
        return try await integer(arguments)
    }

    /// `HGETALL`: every field of the hash at `key` (empty if there is none).
    public func fields(ofHash key: String) async throws(RedisError) -> [String: [UInt8]] {
        let reply = try await send(["HGETALL", key])
        guard let items = reply.array, items.count.isMultiple(of: 2) else {
            throw Self.unexpected(reply, to: "HGETALL")
        }
        var fields: [String: [UInt8]] = [:]
        for index in stride(from: 0, to: items.count, by: 2) {
            guard let field = items[index].string, let value = items[index + 1].bytes else {
                throw Self.unexpected(reply, to: "HGETALL")
            }
            fields[field] = value
        }
        return fields
    }

    /// `HDEL`: removes `fields` from the hash at `key`.
    /// - Returns: How many existed.
    @discardableResult
    public func deleteFields(_ fields: [String], fromHash key: String) async throws(RedisError) -> Int {
        try await integer(["HDEL", key] + fields)
    }

    /// `SADD`: adds `members` to the set at `key`.
    /// - Returns: How many were new.
    @discardableResult
    public func addMembers(_ members: [String], toSet key: String) async throws(RedisError) -> Int {
        try await integer(["SADD", key] + members)
    }

    /// `SREM`: removes `members` from the set at `key`.
    /// - Returns: How many were there.
    @discardableResult
    public func removeMembers(_ members: [String], fromSet key: String) async throws(RedisError) -> Int {
        try await integer(["SREM", key] + members)
    }

    /// `SMEMBERS`: the members of the set at `key` (empty if there is none).
    public func members(ofSet key: String) async throws(RedisError) -> Set<String> {
        let reply = try await send(["SMEMBERS", key])
        guard let items = reply.array else { throw Self.unexpected(reply, to: "SMEMBERS") }
        var members: Set<String> = []
        for item in items {
            guard let member = item.string else { throw Self.unexpected(reply, to: "SMEMBERS") }
            members.insert(member)
        }
        return members
    }

    /// `SCAN`, repeated until the cursor comes back to 0: every key matching `pattern`.
    ///
    /// Unlike `KEYS`, it never blocks Redis for long; a key added or removed meanwhile may
    /// or may not be listed.
    /// - Parameters:
    ///   - pattern: A glob-style pattern, such as `livepage:node:*`.
    ///   - batch: The `COUNT` hint for each step. Default 1,000.
    public func keys(matching pattern: String, batch: Int = 1000) async throws(RedisError) -> Set<String> {
        var keys: Set<String> = []
        var cursor = "0"
        repeat {
            let reply = try await send(["SCAN", cursor, "MATCH", pattern, "COUNT", String(batch)])
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string, let found = parts[1].array
            else {
                throw Self.unexpected(reply, to: "SCAN")
            }
            for key in found {
                guard let key = key.string else { throw Self.unexpected(reply, to: "SCAN") }
                keys.insert(key)
            }
            cursor = next
        } while cursor != "0"
        return keys
    }

    /// `EVAL`: runs a Lua script atomically.
    /// - Parameters:
    ///   - script: The script's source.
    ///   - keys: The keys it touches (`KEYS` in the script).
    ///   - arguments: Its other arguments (`ARGV`). Default none.
    /// - Returns: What the script returned.
    public func evaluate(_ script: String, keys: [String], arguments: [[UInt8]] = []) async throws(RedisError)
        -> RESPValue
    {
        let head: [[UInt8]] = [Array("EVAL".utf8), Array(script.utf8), Array(String(keys.count).utf8)]
        return try await send(head + keys.map { Array($0.utf8) } + arguments)
    }

    /// `INFO`: Redis's report, all of it or one `section` (such as `"commandstats"`).
    public func info(_ section: String? = nil) async throws(RedisError) -> String {
        let reply = try await send(["INFO"] + (section.map { [$0] } ?? []))
        guard let text = reply.string else { throw Self.unexpected(reply, to: "INFO") }
        return text
    }

    /// `CLIENT ID`: this connection's id in Redis (it changes on reconnection).
    public func clientID() async throws(RedisError) -> Int {
        try await integer(["CLIENT", "ID"])
    }

    /// Sends a command whose reply is an integer.
    private func integer(_ arguments: [String]) async throws(RedisError) -> Int {
        try await integer(arguments.map { Array($0.utf8) })
    }

    private func integer(_ arguments: [[UInt8]]) async throws(RedisError) -> Int {
        let reply = try await send(arguments)
        guard let value = reply.integer else {
            throw Self.unexpected(reply, to: String(decoding: arguments.first ?? [], as: UTF8.self).uppercased())
        }
        return value
    }

    private static func unexpected(_ reply: RESPValue, to command: String) -> RedisError {
        RedisError.unexpectedReply(to: command).with(detail: "\(reply)")
    }

    /// A duration in whole milliseconds, at least 1 (Redis refuses 0 for an expiry).
    private static func milliseconds(_ duration: Duration) -> Int64 {
        max(1, Int64(duration.nanoseconds / 1_000_000))
    }
}
