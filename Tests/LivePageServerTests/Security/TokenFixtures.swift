import LivePageServer

/// Tokens built by hand, so that tests can sign headers and claims that
/// ``JSONWebToken/sign(_:secret:)`` would never write.
enum TokenFixtures {
    /// A secret of 35 bytes, over the 32-byte minimum.
    static let secret = Array("a test secret, 32 bytes or longer!!".utf8)

    /// Another valid secret, for tokens the server did not sign.
    static let otherSecret = Array("another secret, also over 32 bytes".utf8)

    /// The time the tests verify at, in Unix seconds.
    static let now = 1_800_000_000

    /// The header LivePage signs with.
    static let header = #"{"alg":"HS256","typ":"JWT"}"#

    /// Valid claims, expiring 100 s after ``now``.
    static let claims = #"{"sub":"alice","aud":"livepage","exp":1800000100}"#

    /// `header` and `claims` as JSON text, each base64url-encoded, joined by a dot, and
    /// signed with HMAC-SHA256 under `secret`.
    static func token(header: String = header, claims: String = claims, secret: [UInt8] = secret) -> String {
        signed(Base64URL.encode(header.utf8) + "." + Base64URL.encode(claims.utf8), secret: secret)
    }

    /// `signingInput` with a dot and its HMAC-SHA256 under `secret` appended, whatever
    /// the input holds.
    static func signed(_ signingInput: String, secret: [UInt8] = secret) -> String {
        signingInput + "." + Base64URL.encode(HMAC.authenticationCode(for: signingInput.utf8, key: secret))
    }

    /// Verifies `token` with ``secret`` at ``now``.
    static func verify(_ token: String, now: Int = now) throws(TokenError) -> TokenClaims {
        try JSONWebToken.verify(token, secret: secret, now: now)
    }
}
