/// Who is online at a location: the answer of `online` and `presence` requests.
public struct Online: Sendable, Hashable {
    /// The location.
    public let location: String
    /// The distinct principals with at least one client there, sorted, each once.
    public let principals: [String]
    /// The number of anonymous clients there.
    public let anonymous: Int

    /// The number of distinct principals.
    public var count: Int { principals.count }
}
