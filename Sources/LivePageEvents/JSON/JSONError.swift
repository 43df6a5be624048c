/// Why a text is not acceptable JSON, and where.
///
/// LivePage's parser is strict (RFC 8259, UTF-8 only, no duplicate keys, bounded
/// nesting), because the text comes from browsers and backends it does not trust.
public struct JSONError: Error, Sendable, Hashable {
    /// What was wrong, as a phrase a user can act on (`"a duplicate key \"id\""`).
    public let reason: String
    /// The byte offset in the input where the problem was found.
    public let offset: Int

    init(_ reason: String, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }
}

extension JSONError: CustomStringConvertible {
    /// A sentence naming the problem and its position.
    public var description: String { "Invalid JSON at byte \(offset): \(reason)." }
}
