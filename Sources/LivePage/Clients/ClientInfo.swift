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
}
