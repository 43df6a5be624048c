/// A newly registered client, with what its page needs to start polling.
public struct Registration: Sendable, Hashable {
    /// The client.
    public let client: ClientInfo
    /// The long-poll interval the page is told, in whole seconds, rounded up.
    public let refresh: Int
    /// The `after` the page's first poll sends: 0, so that any event queued between
    /// registering and the first poll (the presence state among them) is not lost.
    public let after: UInt64
}
