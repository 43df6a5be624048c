/// Why a token was refused, or why a token secret cannot be used.
///
/// Match a case with `==` or `catch` against the static members (`.expired`,
/// `.unsupportedAlgorithm("none")`, ...); more may be added later. The server answers
/// `403` to a registration whose token fails for any reason, with ``description`` as the
/// error sentence. No case holds the token, so no message can repeat it.
public struct TokenError: Error, Sendable, Hashable {
    private enum Reason: Hashable {
        case malformed
        case unsupportedAlgorithm(String)
        case badSignature
        case expired
        case notYetValid
        case wrongAudience
        case missingClaim(String)
        case invalidClaim(String)
        case secretTooShort
    }

    private let reason: Reason

    private init(_ reason: Reason) {
        self.reason = reason
    }

    /// The token is not three base64url parts, or its header or claims are not a JSON
    /// object, or its header is not one LivePage accepts (`typ` other than `JWT`, `crit`).
    public static let malformed = TokenError(.malformed)

    /// The header's `alg` is not exactly `HS256`; `none`, `HS384`, `RS256` and `hs256`
    /// are all refused before the signature is looked at.
    ///
    /// - Parameter algorithm: The `alg` the token named (at most 32 printable ASCII
    ///   characters of it, anything else written as `?`).
    public static func unsupportedAlgorithm(_ algorithm: String) -> TokenError {
        TokenError(.unsupportedAlgorithm(printable(algorithm)))
    }

    /// The signature is not the HMAC-SHA256 of the header and claims under the server's
    /// secret: the token was altered, or signed with another secret.
    public static let badSignature = TokenError(.badSignature)

    /// The time is past `exp` plus the leeway.
    public static let expired = TokenError(.expired)

    /// The time is before `nbf` less the leeway.
    public static let notYetValid = TokenError(.notYetValid)

    /// `aud` is a string other than `"livepage"`, or an array of strings without it.
    public static let wrongAudience = TokenError(.wrongAudience)

    /// A claim LivePage requires (`sub`, `exp`, `aud`) is absent.
    ///
    /// - Parameter name: The claim's name, such as `"exp"`.
    public static func missingClaim(_ name: String) -> TokenError { TokenError(.missingClaim(name)) }

    /// A claim has the wrong type or value: `sub` not a non-empty string, `exp` or `nbf`
    /// not an integer, `aud` not a string or array of strings, `loc` not a string.
    ///
    /// - Parameter name: The claim's name, such as `"sub"`.
    public static func invalidClaim(_ name: String) -> TokenError { TokenError(.invalidClaim(name)) }

    /// The token secret is shorter than ``JSONWebToken/minimumSecretByteCount`` (32)
    /// bytes, short enough to guess; a configuration error, reported at start.
    public static let secretTooShort = TokenError(.secretTooShort)

    /// `text` cut to 32 characters of printable ASCII, so that an attacker's `alg` cannot
    /// make an error message long or put control characters into a log line.
    private static func printable(_ text: String) -> String {
        String(
            text.unicodeScalars.prefix(32).map { scalar in
                scalar.isASCII && scalar.value >= 0x20 && scalar.value < 0x7f ? Character(scalar) : "?"
            }
        )
    }
}

extension TokenError: CustomStringConvertible {
    /// A sentence saying what was wrong with the token and what to do about it.
    public var description: String {
        switch reason {
        case .malformed:
            "The token is not a well-formed JWT: it must be three base64url parts without padding, "
                + "a JSON header with \"alg\": \"HS256\" and a JSON object of claims."
        case .unsupportedAlgorithm(let algorithm):
            "The token's algorithm \"\(algorithm)\" is not accepted; sign tokens with HS256."
        case .badSignature:
            "The token's signature does not match; sign tokens with this server's token secret."
        case .expired:
            "The token has expired; get a new one."
        case .notYetValid:
            "The token is not valid yet (its \"nbf\" is in the future); check the clocks of the "
                + "server and of the token's issuer."
        case .wrongAudience:
            "The token is not meant for LivePage; its \"aud\" claim must be \"livepage\"."
        case .missingClaim(let name):
            "The token has no \"\(name)\" claim, which LivePage requires."
        case .invalidClaim(let name):
            "The token's \"\(name)\" claim is invalid: \"sub\" must be a non-empty string, "
                + "\"exp\" and \"nbf\" integer Unix seconds, \"aud\" a string or an array of "
                + "strings, \"loc\" a string."
        case .secretTooShort:
            "The token secret is shorter than \(JSONWebToken.minimumSecretByteCount) bytes; "
                + "configure one of at least \(JSONWebToken.minimumSecretByteCount) random bytes."
        }
    }
}
