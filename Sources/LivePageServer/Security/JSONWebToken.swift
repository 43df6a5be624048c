import LivePageEvents

/// JSON Web Tokens (RFC 7519) signed with HS256, the only kind LivePage's token mode takes.
///
/// In token mode an application's backend, which knows who its user is, mints a token
/// with the server's secret and hands it to the page; the page presents it when it
/// registers, and the server takes the principal from it instead of trusting the page.
///
/// ```swift
/// let secret = Array("a secret of at least 32 random bytes".utf8)
/// let claims = TokenClaims(subject: "alice", expiry: now + 3600, location: "/chat")
/// let token = try JSONWebToken.sign(claims, secret: secret)
/// try JSONWebToken.verify(token, secret: secret, now: now) == claims  // true
/// ```
///
/// Verification takes one algorithm, so a token cannot choose how it is checked: the
/// header's `alg` must be exactly `HS256` (`none`, `HS384`, `RS256`, `hs256` are refused
/// before the signature is looked at), and `typ`, if present, `JWT`. The signature is
/// compared in constant time. The claims are read only after it matches: `sub` (a
/// non-empty string), `exp` (integer Unix seconds; `1.5` or `1e9` is refused rather than
/// rounded), `aud` (`"livepage"`, or an array of strings containing it), `nbf` if present
/// (integer Unix seconds) and `loc` if present (a string). JSON is parsed strictly, so a
/// header or claims object naming a key twice is refused rather than read either way.
public enum JSONWebToken {
    /// The audience every LivePage token must name in `aud`: `"livepage"`.
    public static let audience = "livepage"

    /// The clock skew allowed around `exp` and `nbf`, in seconds: 60.
    public static let defaultLeeway = 60

    /// The shortest token secret accepted, in bytes: 32, the output size of SHA-256
    /// (RFC 7518 §3.2 requires at least that for HS256).
    public static let minimumSecretByteCount = 32

    /// Checks that `secret` is long enough to sign and verify tokens with.
    ///
    /// The server calls this at start, so that a weak secret stops it with a clear error
    /// instead of accepting guessable tokens.
    ///
    /// - Parameter secret: The token secret's bytes.
    /// - Throws: ``TokenError/secretTooShort`` if it is shorter than
    ///   ``minimumSecretByteCount`` bytes.
    public static func validate(secret: [UInt8]) throws(TokenError) {
        guard secret.count >= minimumSecretByteCount else { throw .secretTooShort }
    }

    /// Checks a token and returns its claims.
    ///
    /// - Parameters:
    ///   - token: The compact token, `header.claims.signature`.
    ///   - secret: The token secret, at least ``minimumSecretByteCount`` bytes.
    ///   - now: The current time, in Unix seconds.
    ///   - leeway: The clock skew allowed around `exp` and `nbf`, in seconds (default
    ///     ``defaultLeeway``, 60).
    /// - Returns: The verified claims.
    /// - Throws: ``TokenError``: `.malformed`, `.unsupportedAlgorithm(_:)`,
    ///   `.badSignature`, `.missingClaim(_:)`, `.invalidClaim(_:)`, `.wrongAudience`,
    ///   `.expired`, `.notYetValid`; `.secretTooShort` if `secret` is, so that a server
    ///   that skipped ``validate(secret:)`` still refuses every token.
    public static func verify(
        _ token: String,
        secret: [UInt8],
        now: Int,
        leeway: Int = defaultLeeway
    ) throws(TokenError) -> TokenClaims {
        try validate(secret: secret)

        // Split at the two dots; the signature covers the bytes before the second one.
        let bytes = token.utf8
        let dot = UInt8(ascii: ".")
        guard let firstDot = bytes.firstIndex(of: dot),
            let secondDot = bytes[bytes.index(after: firstDot)...].firstIndex(of: dot),
            !bytes[bytes.index(after: secondDot)...].contains(dot)
        else { throw .malformed }

        let header = try decodeObject(token[..<firstDot])
        try checkHeader(header)

        guard let signature = Base64URL.decode(token[bytes.index(after: secondDot)...]) else {
            throw .malformed
        }
        let expected = HMAC.authenticationCode(for: bytes[..<secondDot], key: secret)
        guard ConstantTime.equal(signature, expected) else { throw .badSignature }

        let claims = try decodeObject(token[bytes.index(after: firstDot)..<secondDot])
        return try readClaims(claims, now: now, leeway: leeway)
    }

    /// Mints a token carrying `claims`, for `aud` ``audience``, signed with HS256.
    ///
    /// Applications call this in the backend that knows who the user is, and hand the
    /// token to the page they render.
    ///
    /// - Parameters:
    ///   - claims: Who the token is for, until when, and optionally where.
    ///   - secret: The token secret the server verifies with.
    /// - Returns: The compact token, three base64url parts joined by dots.
    /// - Throws: ``TokenError/secretTooShort`` for a secret under
    ///   ``minimumSecretByteCount`` bytes, and ``TokenError/invalidClaim(_:)`` (`"sub"`)
    ///   for an empty subject, which no server would accept.
    public static func sign(_ claims: TokenClaims, secret: [UInt8]) throws(TokenError) -> String {
        try validate(secret: secret)
        guard !claims.subject.isEmpty else { throw .invalidClaim("sub") }
        let header: JSONValue = ["alg": "HS256", "typ": "JWT"]
        var payload: JSONObject = [
            "sub": .string(claims.subject),
            "aud": .string(audience),
            "exp": .number(JSONNumber(claims.expiry)),
        ]
        if let location = claims.location {
            payload["loc"] = .string(location)
        }
        let signingInput =
            Base64URL.encode(header.jsonBytes()) + "." + Base64URL.encode(JSONValue.object(payload).jsonBytes())
        let signature = HMAC.authenticationCode(for: signingInput.utf8, key: secret)
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// The JSON object that a base64url part of a token encodes.
    private static func decodeObject(_ part: Substring) throws(TokenError) -> JSONObject {
        guard let json = Base64URL.decode(part),
            let value = try? JSONValue(parsing: json),
            let object = value.objectValue
        else { throw .malformed }
        return object
    }

    /// Refuses any header but an HS256 JWT's; the algorithm is checked first of all.
    private static func checkHeader(_ header: JSONObject) throws(TokenError) {
        guard let algorithm = header["alg"]?.stringValue else { throw .malformed }
        guard algorithm == "HS256" else { throw .unsupportedAlgorithm(algorithm) }
        if let type = header["typ"], type != "JWT" { throw .malformed }
        // RFC 7515 §4.1.11: a token whose `crit` names extensions must be refused by a
        // verifier that does not understand them, and LivePage understands none.
        if header["crit"] != nil { throw .malformed }
    }
}
