/// Who an event is sent to: one client, every client at a location, every client of a
/// principal (all its tabs), or everyone, optionally leaving one client out.
public struct Audience: Sendable, Hashable {
    /// The clients an audience names before ``excluded`` is left out.
    public enum Target: Sendable, Hashable {
        /// One client.
        case client(ClientID)
        /// Every client at a location.
        case location(String)
        /// Every client of a principal, at every location.
        case principal(String)
        /// Every client of the server.
        case everyone
    }

    /// The clients named.
    public let target: Target
    /// A client to leave out (a sender that has already shown its own change), if any.
    public let excluded: ClientID?

    /// An audience of `target`, leaving out `excluded`.
    public init(_ target: Target, excluding excluded: ClientID? = nil) {
        self.target = target
        self.excluded = excluded
    }

    /// One client.
    public static func client(_ id: ClientID) -> Audience { Audience(.client(id)) }
    /// Every client at `location`.
    public static func location(_ location: String) -> Audience { Audience(.location(location)) }
    /// Every client of `principal`.
    public static func principal(_ principal: String) -> Audience { Audience(.principal(principal)) }
    /// Every client.
    public static let everyone = Audience(.everyone)

    /// The same audience without the client `id`.
    public func excluding(_ id: ClientID) -> Audience { Audience(target, excluding: id) }
}
