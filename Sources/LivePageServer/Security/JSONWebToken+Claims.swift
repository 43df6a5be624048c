import LivePageEvents

extension JSONWebToken {
    /// Reads and checks the claims of a token whose signature has matched: their types
    /// first, then the audience, then the times.
    static func readClaims(_ claims: JSONObject, now: Int, leeway: Int) throws(TokenError) -> TokenClaims {
        guard let subjectValue = claims["sub"] else { throw .missingClaim("sub") }
        guard let subject = subjectValue.stringValue, !subject.isEmpty else { throw .invalidClaim("sub") }

        guard let expiry = try seconds(claims, "exp") else { throw .missingClaim("exp") }
        let notBefore = try seconds(claims, "nbf")

        guard let audienceValue = claims["aud"] else { throw .missingClaim("aud") }
        try checkAudience(audienceValue)

        var location: String?
        if let locationValue = claims["loc"] {
            guard let string = locationValue.stringValue else { throw .invalidClaim("loc") }
            location = string
        }

        // `now - leeway` and `now + leeway`, not `exp + leeway`: the claims are the
        // attacker's, and `exp` near `Int.max` must not overflow.
        guard now - leeway <= expiry else { throw .expired }
        if let notBefore, now + leeway < notBefore { throw .notYetValid }
        var claimsRead = TokenClaims(subject: subject, expiry: expiry, location: location)
        // A display name only; a `name` of another type is left out rather than refused,
        // since other services' tokens may use the claim for something else.
        claimsRead.name = claims["name"]?.stringValue
        return claimsRead
    }

    /// The integer Unix seconds of the claim `name`, or `nil` if it is absent.
    ///
    /// A number with a fraction or an exponent (`1.5`, `1e9`), or one too large for `Int`,
    /// is refused rather than rounded: signers write whole seconds, and a verifier that
    /// rounds reads some other number than the one that was signed.
    private static func seconds(_ claims: JSONObject, _ name: String) throws(TokenError) -> Int? {
        guard let value = claims[name] else { return nil }
        guard case .number(let number) = value, let seconds = number.intValue else {
            throw .invalidClaim(name)
        }
        return seconds
    }

    /// Checks that `aud` is ``audience``, or an array of strings that contains it.
    private static func checkAudience(_ value: JSONValue) throws(TokenError) {
        if let single = value.stringValue {
            guard single.isSameBytes(as: audience) else { throw .wrongAudience }
            return
        }
        guard let array = value.arrayValue else { throw .invalidClaim("aud") }
        var found = false
        for element in array {
            guard let name = element.stringValue else { throw .invalidClaim("aud") }
            if name.isSameBytes(as: audience) { found = true }
        }
        guard found else { throw .wrongAudience }
    }
}
