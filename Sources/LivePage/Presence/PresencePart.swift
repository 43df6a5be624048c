import LivePageEvents

/// Who is online at one location on one server, or on all the other servers together:
/// the share that servers exchange when several serve one site.
public struct PresencePart: Sendable, Hashable {
    /// The distinct principals with at least one client there, sorted by UTF-8 bytes.
    public let principals: [String]
    /// The number of anonymous clients there.
    public let anonymous: Int

    /// A part with `principals` (any order; duplicates counted once) and `anonymous` clients.
    public init(principals: [String], anonymous: Int) {
        self.principals = Set(principals.map(ExactName.init)).sorted().map(\.string)
        self.anonymous = anonymous
    }

    /// Nobody.
    public static let empty = PresencePart(principals: [], anonymous: 0)

    /// Whether nobody is online in this part.
    public var isEmpty: Bool { principals.isEmpty && anonymous == 0 }
}
