/// Who is online at a location: the answer of `online` and `presence` requests.
public struct Online: Sendable, Hashable {
    /// The location.
    public let location: String
    /// The distinct principals with at least one client there, each once, sorted by their
    /// UTF-8 bytes (principals that differ in their bytes are different principals).
    /// Empty above the presence list limit; see ``isListed``.
    public let principals: [String]
    /// Whether ``principals`` lists everyone: `false` above the presence list limit
    /// (default 1,000), where a list would cost every asker the location's size.
    public let isListed: Bool
    /// The number of distinct principals.
    public let count: Int
    /// The number of anonymous clients there.
    public let anonymous: Int

    /// Who is online: `principals` sorted (`nil` when not listed), `count` distinct
    /// principals and `anonymous` anonymous clients.
    init(location: String, principals: [String]?, count: Int, anonymous: Int) {
        self.location = location
        self.principals = principals ?? []
        self.isListed = principals != nil
        self.count = count
        self.anonymous = anonymous
    }
}
