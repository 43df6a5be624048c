public import LivePageEvents

/// What the server knows of a registered client.
public struct ClientInfo: Sendable, Hashable {
    /// The client's id, its bearer secret.
    public let id: ClientID
    /// The location the client's page shows.
    public let location: String
    /// The principal behind the client, or `nil` for an anonymous one.
    public let principal: String?
    /// What the client hears about presence.
    public let presence: PresenceMode
    /// What a backend said of the client when it registered it (a JSON object of at most
    /// 1 KiB), or `nil`; its `name`, a string, is the principal's display name.
    public var meta: JSONObject? = nil

    /// The name presence shows for the principal instead of its id: `meta.name`, when it
    /// is a string of 1 to 128 bytes without control characters.
    public var displayName: String? {
        guard case .string(let name)? = meta?["name"], ClientManager.isDisplayName(name) else { return nil }
        return name
    }
}
