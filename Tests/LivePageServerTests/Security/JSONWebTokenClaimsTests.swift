import LivePageServer
import Testing

/// The claims of a correctly signed HS256 token: `sub`, `exp`, `nbf`, `aud`, `loc`.
@Suite(.timeLimit(.minutes(1)))
struct JSONWebTokenClaimsTests {
    typealias Fixtures = TokenFixtures

    /// Verifies claims given as JSON text, signed correctly, at `now`.
    private func verify(_ claims: String, now: Int = Fixtures.now) throws(TokenError) -> TokenClaims {
        try Fixtures.verify(Fixtures.token(claims: claims), now: now)
    }

    @Test func readsSubjectExpiryAndNoLocation() throws {
        let claims = try verify(#"{"sub":"alice","aud":"livepage","exp":1800000100}"#)
        #expect(claims == TokenClaims(subject: "alice", expiry: 1_800_000_100, location: nil))
    }

    @Test func readsALocation() throws {
        let claims = try verify(#"{"sub":"alice","aud":"livepage","exp":1800000100,"loc":"/chat/lobby"}"#)
        #expect(claims.location == "/chat/lobby")
    }

    @Test(arguments: [#"1"#, #"null"#, #"["/chat"]"#])
    func refusesANonStringLocation(location: String) {
        #expect(throws: TokenError.invalidClaim("loc")) {
            try verify(#"{"sub":"alice","aud":"livepage","exp":1800000100,"loc":\#(location)}"#)
        }
    }

    @Test func refusesAMissingSubject() {
        #expect(throws: TokenError.missingClaim("sub")) { try verify(#"{"aud":"livepage","exp":1800000100}"#) }
    }

    @Test(arguments: [#""""#, "42", "null", "true", #"["alice"]"#, #"{"id":"alice"}"#])
    func refusesASubjectThatIsNotANonEmptyString(subject: String) {
        #expect(throws: TokenError.invalidClaim("sub")) {
            try verify(#"{"sub":\#(subject),"aud":"livepage","exp":1800000100}"#)
        }
    }

    @Test func refusesAMissingExpiry() {
        #expect(throws: TokenError.missingClaim("exp")) { try verify(#"{"sub":"alice","aud":"livepage"}"#) }
    }

    /// A string, null, a fraction, an exponent and an integer too large for `Int` are all
    /// refused; none is rounded.
    @Test(arguments: [
        #""1800000100""#, "null", "true", "1800000100.5", "1800000100.0", "1.8e9", "99999999999999999999",
    ])
    func refusesAnExpiryThatIsNotIntegerSeconds(expiry: String) {
        #expect(throws: TokenError.invalidClaim("exp")) {
            try verify(#"{"sub":"alice","aud":"livepage","exp":\#(expiry)}"#)
        }
    }

    @Test func acceptsATokenExpiredWithinTheLeeway() throws {
        let claims = #"{"sub":"alice","aud":"livepage","exp":1800000000}"#
        #expect(try verify(claims, now: 1_800_000_000).subject == "alice")
        #expect(try verify(claims, now: 1_800_000_060).subject == "alice")
    }

    @Test func refusesATokenExpiredBeyondTheLeeway() {
        let claims = #"{"sub":"alice","aud":"livepage","exp":1800000000}"#
        #expect(throws: TokenError.expired) { try verify(claims, now: 1_800_000_061) }
        #expect(throws: TokenError.expired) { try verify(claims, now: 1_900_000_000) }
        #expect(throws: TokenError.expired) {
            try JSONWebToken.verify(
                Fixtures.token(claims: claims), secret: Fixtures.secret, now: 1_800_000_001, leeway: 0)
        }
    }

    /// The largest and smallest `Int` do not overflow the expiry check.
    @Test func handlesExpiriesAtTheLimitsOfInt() throws {
        #expect(try verify(#"{"sub":"alice","aud":"livepage","exp":\#(Int.max)}"#).expiry == Int.max)
        #expect(throws: TokenError.expired) { try verify(#"{"sub":"alice","aud":"livepage","exp":\#(Int.min)}"#) }
    }

    @Test func honoursNotBeforeWithTheLeeway() throws {
        let claims = #"{"sub":"alice","aud":"livepage","exp":1800000100,"nbf":1800000060}"#
        #expect(try verify(claims, now: 1_800_000_000).subject == "alice")
        #expect(throws: TokenError.notYetValid) { try verify(claims, now: 1_799_999_999) }
        #expect(throws: TokenError.notYetValid) {
            try verify(#"{"sub":"alice","aud":"livepage","exp":1800000100,"nbf":\#(Int.max)}"#)
        }
    }

    @Test(arguments: [#""1800000000""#, "1.5", "null"])
    func refusesANotBeforeThatIsNotIntegerSeconds(notBefore: String) {
        #expect(throws: TokenError.invalidClaim("nbf")) {
            try verify(#"{"sub":"alice","aud":"livepage","exp":1800000100,"nbf":\#(notBefore)}"#)
        }
    }

    @Test(arguments: [#""livepage""#, #"["livepage"]"#, #"["chat","livepage"]"#])
    func acceptsTheAudienceAloneOrInAnArray(audience: String) throws {
        #expect(try verify(#"{"sub":"alice","aud":\#(audience),"exp":1800000100}"#).subject == "alice")
    }

    @Test func refusesAMissingAudience() {
        #expect(throws: TokenError.missingClaim("aud")) { try verify(#"{"sub":"alice","exp":1800000100}"#) }
    }

    @Test(arguments: [#""chat""#, #""LivePage""#, #""livepage ""#, #""""#, "[]", #"["chat"]"#])
    func refusesAnotherAudience(audience: String) {
        #expect(throws: TokenError.wrongAudience) {
            try verify(#"{"sub":"alice","aud":\#(audience),"exp":1800000100}"#)
        }
    }

    @Test(arguments: ["1", "null", #"{"livepage":true}"#, #"["livepage",1]"#])
    func refusesAnAudienceThatIsNotAStringOrArrayOfStrings(audience: String) {
        #expect(throws: TokenError.invalidClaim("aud")) {
            try verify(#"{"sub":"alice","aud":\#(audience),"exp":1800000100}"#)
        }
    }

    @Test func ignoresClaimsLivePageDoesNotUse() throws {
        let claims = try verify(#"{"iss":"app","sub":"alice","aud":"livepage","exp":1800000100,"iat":1,"jti":"x"}"#)
        #expect(claims.subject == "alice")
    }
}
