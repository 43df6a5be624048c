/// What a verified LivePage token says: who the client's user is, until when, and where.
///
/// ``JSONWebToken/verify(_:secret:now:leeway:)`` returns these once the token's signature,
/// audience and times have all checked out; ``JSONWebToken/sign(_:secret:)`` writes them
/// into a new token.
public struct TokenClaims: Sendable, Hashable {
    /// The principal (`sub`): the id of the user the token was issued for, never empty.
    public var subject: String

    /// When the token expires (`exp`), in Unix seconds. Registration with it is refused
    /// once the time is past this plus the leeway.
    public var expiry: Int

    /// The only location the token may register a client at (`loc`), or `nil` for a token
    /// valid at every location.
    public var location: String?

    /// The user's display name (`name`), which presence shows instead of the principal,
    /// or `nil`. Not part of what the token grants.
    public var name: String?

    /// Claims for a token.
    ///
    /// - Parameters:
    ///   - subject: The principal, a non-empty string.
    ///   - expiry: When the token expires, in Unix seconds.
    ///   - location: The only location it is valid at, or `nil` (the default) for all.
    public init(subject: String, expiry: Int, location: String? = nil) {
        self.subject = subject
        self.expiry = expiry
        self.location = location
    }
}
