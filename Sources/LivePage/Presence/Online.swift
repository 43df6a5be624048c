/// Who is online at a location: the answer of `online` and `presence` requests.
public struct Online: Sendable, Hashable {
    /// The location.
    public let location: String
    /// The distinct principals with at least one client there, each once, sorted by their
    /// UTF-8 bytes (principals that differ in their bytes are different principals).
    public let principals: [String]
    /// The number of anonymous clients there.
    public let anonymous: Int

    /// The number of distinct principals.
    public var count: Int { principals.count }
}
