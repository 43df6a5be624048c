import LivePageServer
import Testing

/// The token's form, its algorithm and its signature. Claims are in
/// `JSONWebTokenClaimsTests`.
@Suite(.timeLimit(.minutes(1)))
struct JSONWebTokenTests {
    typealias Fixtures = TokenFixtures

    @Test func aSignedTokenVerifiesToItsClaims() throws {
        let claims = TokenClaims(subject: "zorg.member.uwe", expiry: Fixtures.now + 3600, location: "/chat/lobby")
        let token = try JSONWebToken.sign(claims, secret: Fixtures.secret)
        #expect(try Fixtures.verify(token) == claims)
    }

    /// Minted by Python's hmac, hashlib, base64 and json modules, as a backend in another
    /// language would: keys in another order, `aud` as an array, an extra `iat`.
    @Test func aTokenFromAnotherImplementationVerifies() throws {
        let secret = Array("python-interop-secret-0123456789abcdef".utf8)
        let token =
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9"
            + ".eyJzdWIiOiJ6b3JnLm1lbWJlci51d2UiLCJhdWQiOlsib3RoZXIiLCJsaXZlcGFnZSJdLCJleHAiOjE5MDAwMDAwMDAsImlhdCI6MTcwMDAwMDAwMCwibG9jIjoiL2NoYXQvbG9iYnkifQ"
            + ".aloek-7H0hwj7sCW1kLpBQctZmdmP2Xva1l18myZxAA"
        let claims = try JSONWebToken.verify(token, secret: secret, now: 1_800_000_000)
        #expect(claims == TokenClaims(subject: "zorg.member.uwe", expiry: 1_900_000_000, location: "/chat/lobby"))
    }

    /// The same token, byte for byte, as Python computes for the same header and claims.
    @Test func signWritesTheTokenOtherImplementationsWrite() throws {
        let secret = Array("python-interop-secret-0123456789abcdef".utf8)
        let token = try JSONWebToken.sign(
            TokenClaims(subject: "alice", expiry: 1_900_000_000, location: "/chat"),
            secret: secret
        )
        #expect(
            token == "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
                + ".eyJzdWIiOiJhbGljZSIsImF1ZCI6ImxpdmVwYWdlIiwiZXhwIjoxOTAwMDAwMDAwLCJsb2MiOiIvY2hhdCJ9"
                + ".6oGjYGh7W0Lg67pfOpYmzqRzJc05sssNhOzYrAc5uAo"
        )
    }

    /// Each carries a correct HMAC-SHA256 signature, so only the `alg` is wrong.
    @Test(arguments: ["none", "None", "HS384", "HS512", "RS256", "ES256", "hs256", "HS256 ", ""])
    func refusesAlgorithmsOtherThanHS256(algorithm: String) {
        let token = Fixtures.token(header: #"{"alg":"\#(algorithm)","typ":"JWT"}"#)
        #expect(throws: TokenError.unsupportedAlgorithm(algorithm)) { try Fixtures.verify(token) }
    }

    @Test func refusesAlgNoneWithoutASignature() {
        let token = Fixtures.token(header: #"{"alg":"none"}"#)
        let unsigned = String(token[..<token.lastIndex(of: ".")!]) + "."
        #expect(throws: TokenError.unsupportedAlgorithm("none")) { try Fixtures.verify(unsigned) }
    }

    /// The algorithm is refused before the signature is even decoded.
    @Test func refusesTheAlgorithmBeforeLookingAtTheSignature() {
        let header = Base64URL.encode(#"{"alg":"none"}"#.utf8)
        let token = header + "." + Base64URL.encode(Fixtures.claims.utf8) + ".not base64!"
        #expect(throws: TokenError.unsupportedAlgorithm("none")) { try Fixtures.verify(token) }
    }

    @Test(arguments: [#"{"typ":"JWT"}"#, #"{"alg":null}"#, #"{"alg":["HS256"]}"#, #"{"alg":256}"#])
    func refusesAHeaderWithoutAStringAlg(header: String) {
        #expect(throws: TokenError.malformed) { try Fixtures.verify(Fixtures.token(header: header)) }
    }

    /// A strict parser cannot be led to read the `alg` a lenient one would skip.
    @Test(arguments: [
        #"{"alg":"HS256","alg":"none"}"#, #"{"alg":"none","alg":"HS256"}"#, #"{"alg":"HS256","alg":"HS256"}"#,
    ])
    func refusesADuplicateAlg(header: String) {
        #expect(throws: TokenError.malformed) { try Fixtures.verify(Fixtures.token(header: header)) }
    }

    @Test func acceptsAHeaderWithoutTyp() throws {
        #expect(try Fixtures.verify(Fixtures.token(header: #"{"alg":"HS256"}"#)).subject == "alice")
    }

    @Test(arguments: [
        #"{"alg":"HS256","typ":"JWS"}"#, #"{"alg":"HS256","typ":null}"#, #"{"alg":"HS256","crit":["exp"]}"#,
    ])
    func refusesATypOtherThanJWTAndCriticalExtensions(header: String) {
        #expect(throws: TokenError.malformed) { try Fixtures.verify(Fixtures.token(header: header)) }
    }

    @Test func refusesATamperedPayload() {
        let token = Fixtures.token()
        let parts = token.split(separator: ".")
        let forged = #"{"sub":"mallory","aud":"livepage","exp":1800000100}"#
        let tampered = "\(parts[0]).\(Base64URL.encode(forged.utf8)).\(parts[2])"
        #expect(throws: TokenError.badSignature) { try Fixtures.verify(tampered) }
    }

    @Test func refusesATokenSignedWithAnotherSecret() {
        let token = Fixtures.token(secret: Fixtures.otherSecret)
        #expect(throws: TokenError.badSignature) { try Fixtures.verify(token) }
    }

    @Test func refusesAnEmptyOrTruncatedSignature() {
        let token = Fixtures.token()
        let signingInput = String(token[..<token.lastIndex(of: ".")!])
        let signature = Base64URL.decode(token[token.index(after: token.lastIndex(of: ".")!)...])!
        #expect(throws: TokenError.badSignature) { try Fixtures.verify(signingInput + ".") }
        let truncated = signingInput + "." + Base64URL.encode(signature.dropLast())
        #expect(throws: TokenError.badSignature) { try Fixtures.verify(truncated) }
        let extended = signingInput + "." + Base64URL.encode(signature + [0])
        #expect(throws: TokenError.badSignature) { try Fixtures.verify(extended) }
    }

    /// Padding, standard base64's `+`, an impossible length: each signed correctly over
    /// the bad part, so that only the encoding is at fault.
    @Test func refusesBadBase64InEachPart() {
        let header = Base64URL.encode(Fixtures.header.utf8)
        let claims = Base64URL.encode(Fixtures.claims.utf8)
        #expect(throws: TokenError.malformed) { try Fixtures.verify(Fixtures.signed(header + "=." + claims)) }
        #expect(throws: TokenError.malformed) {
            try Fixtures.verify(Fixtures.signed("+" + header.dropFirst() + "." + claims))
        }
        #expect(throws: TokenError.malformed) { try Fixtures.verify(Fixtures.signed(header + "." + claims + "=")) }
        #expect(throws: TokenError.malformed) { try Fixtures.verify(Fixtures.signed(header + "." + claims + "A")) }
        let token = Fixtures.token()
        #expect(throws: TokenError.malformed) { try Fixtures.verify(token + "=") }
        #expect(throws: TokenError.malformed) { try Fixtures.verify(token + "AA") }
        #expect(throws: TokenError.malformed) { try Fixtures.verify(String(token.dropLast()) + "/") }
    }

    @Test(arguments: ["", "{", #"{"alg":"HS256",}"#, #"["HS256"]"#, #""HS256""#, #"{"alg":"HS256"} x"#])
    func refusesAHeaderThatIsNotAJSONObject(header: String) {
        #expect(throws: TokenError.malformed) { try Fixtures.verify(Fixtures.token(header: header)) }
    }

    /// Signed correctly, so that only the claims' JSON is at fault.
    @Test(arguments: ["", "{", #"{"sub":"alice",}"#, #"["alice"]"#, "null", #"{"sub":"alice","sub":"bob"}"#])
    func refusesClaimsThatAreNotAJSONObject(claims: String) {
        #expect(throws: TokenError.malformed) { try Fixtures.verify(Fixtures.token(claims: claims)) }
    }

    @Test func refusesATokenWithoutTwoDots() {
        let token = Fixtures.token()
        let parts = token.split(separator: ".")
        for candidate in [
            "", ".", "..", "...", "\(parts[0])", "\(parts[0]).\(parts[1])", "\(token).", "\(token).\(parts[2])",
        ] {
            #expect(throws: TokenError.malformed, "\(candidate)") { try Fixtures.verify(candidate) }
        }
    }

    /// A combining accent after the first dot makes one `Character` of the two, yet
    /// splitting is by bytes: the claims part is then refused for its first byte.
    @Test func refusesNonASCIIInAToken() {
        let header = Base64URL.encode(Fixtures.header.utf8)
        let claims = Base64URL.encode(Fixtures.claims.utf8)
        #expect(throws: TokenError.malformed) { try Fixtures.verify(Fixtures.signed("é" + header + "." + claims)) }
        #expect(throws: TokenError.malformed) { try Fixtures.verify(Fixtures.signed(header + ".\u{301}" + claims)) }
    }

    @Test func refusesASecretShorterThan32Bytes() throws {
        let short = [UInt8](repeating: 0x61, count: 31)
        #expect(throws: TokenError.secretTooShort) { try JSONWebToken.validate(secret: short) }
        #expect(throws: TokenError.secretTooShort) { try JSONWebToken.validate(secret: []) }
        try JSONWebToken.validate(secret: [UInt8](repeating: 0x61, count: 32))
        let claims = TokenClaims(subject: "alice", expiry: Fixtures.now + 60)
        #expect(throws: TokenError.secretTooShort) { try JSONWebToken.sign(claims, secret: short) }
        let token = Fixtures.token(secret: short)
        #expect(throws: TokenError.secretTooShort) {
            try JSONWebToken.verify(token, secret: short, now: Fixtures.now)
        }
    }

    @Test func signRefusesAnEmptySubject() {
        let claims = TokenClaims(subject: "", expiry: Fixtures.now + 60)
        #expect(throws: TokenError.invalidClaim("sub")) { try JSONWebToken.sign(claims, secret: Fixtures.secret) }
    }

    /// Messages name the problem and never repeat the token; an attacker's `alg` is cut
    /// short and stripped of control characters.
    @Test func errorMessagesNeverRepeatTheToken() {
        let token = Fixtures.token(secret: Fixtures.otherSecret)
        do {
            _ = try Fixtures.verify(token)
            Issue.record("a token signed with another secret verified")
        } catch {
            #expect(error.description.contains("signature"))
            for part in token.split(separator: ".") { #expect(!error.description.contains(part)) }
        }
        let longAlgorithm = "none\n" + String(repeating: "x", count: 1000)
        let message = TokenError.unsupportedAlgorithm(longAlgorithm).description
        #expect(message.contains("\"none?xxx"))
        #expect(!message.contains("\n"))
        #expect(message.count < 200)
    }
}
