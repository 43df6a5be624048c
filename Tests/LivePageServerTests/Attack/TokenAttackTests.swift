import Glibc
import LivePageEvents
import LivePageServer
import LivePageTestSupport
import Testing

/// Forged and altered tokens, over the wire, beyond those TokenRegistrationTests sends:
/// every way of choosing another algorithm, non-canonical base64, a header, claims or
/// signature changed after signing, claims of the wrong type, and a `loc` that only looks
/// like the requested location. Each is `403` (or `400` for a principal no server would
/// take), registers nothing, and the answer repeats no part of the token.
@Suite(.timeLimit(.minutes(3)))
struct TokenAttackTests {
    static let arguments = TokenRegistrationTests.arguments
    static let header = #"{"alg":"HS256","typ":"JWT"}"#
    static var expiry: Int { time(nil) + 3600 }
    static var claims: String { #"{"sub":"alice","aud":"livepage","exp":\#(expiry)}"# }

    /// A token signed with the server's secret over `header` and `claims` as given.
    static func signed(header: String = header, claims: String = claims) -> String {
        TokenFixtures.token(header: header, claims: claims)
    }

    /// The three parts of `token`.
    static func parts(_ token: String) -> [String] {
        token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// `token` with its signature's character at `index` replaced by another of the alphabet.
    static func alteringSignature(_ token: String, at index: (String) -> String.Index) -> String {
        var parts = parts(token)
        var signature = Array(parts[2])
        let position = parts[2].distance(from: parts[2].startIndex, to: index(parts[2]))
        signature[position] = signature[position] == "A" ? "B" : "A"
        parts[2] = String(signature)
        return parts.joined(separator: ".")
    }

    /// Registers at `location` with `token`, expecting `status` and no part of the token
    /// (header, claims, signature) in the answer.
    static func expectRefused(
        _ server: LiveServer, _ name: String, _ token: String, at location: String = "/chat", status: Int = 403,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let response = try server.register(fields: ["location": .string(location), "token": .string(token)])
        #expect(response.status == status, "\(name): \(response)", sourceLocation: sourceLocation)
        expectError(response, status, hiding: parts(token).filter { $0.count >= 8 } + [TokenRegistrationTests.secret], sourceLocation: sourceLocation)
    }

    @Test func everyAlgorithmButHS256IsRefusedWhateverTheSignature() async throws {
        let claims = Base64URL.encode(Self.claims.utf8)
        var tokens: [(String, String)] = []
        for algorithm in ["none", "None", "NONE", "nOnE", "hs256", "Hs256", "HS256 ", " HS256", "HS256\u{0}", "HS384", "HS512", "RS256", "ES256", "PS256", "EdDSA", ""] {
            let header = attackJSON(["alg": .string(algorithm), "typ": "JWT"])
            // Signed with the server's secret as an HMAC key, as an algorithm-confusion
            // attack would sign RS256 with a public key: the algorithm alone must refuse it.
            tokens.append(("alg \(algorithm.debugDescription), HMAC-signed", Self.signed(header: header)))
            tokens.append(("alg \(algorithm.debugDescription), unsigned", Base64URL.encode(header.utf8) + "." + claims + "."))
        }
        for header in [#"{"typ":"JWT"}"#, #"{"alg":null}"#, #"{"alg":["HS256"]}"#, #"{"alg":{"HS256":true}}"#, #"{"alg":"HS256","alg":"none"}"#] {
            tokens.append(("header \(header)", Self.signed(header: header)))
        }
        try await withServer(Self.arguments) { server in
            for (name, token) in tokens {
                try Self.expectRefused(server, name, token)
            }
            #expect(try server.metric("livepage_clients") == 0)
            try server.expectHealthy(after: "forged algorithms")
        }
    }

    @Test func paddingAndNonCanonicalBase64AreRefused() async throws {
        let valid = Self.signed()
        let parts = Self.parts(valid)
        /// Standard base64 spelling of the same bytes: `+` and `/` instead of `-` and `_`.
        func standard(_ part: String) -> String { part.replacing("-", with: "+").replacing("_", with: "/") }
        /// The part with the `=` padding standard base64 would add (none for a multiple of four).
        func padded(_ part: String) -> String { part + String(repeating: "=", count: (4 - part.count % 4) % 4) }
        // A 32-byte signature is 43 characters whose last carries two unused bits; setting
        // one spells the same bytes non-canonically.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let lastValue = alphabet.firstIndex(of: parts[2].last!)!
        let nonCanonical = parts[0] + "." + parts[1] + "." + String(parts[2].dropLast()) + String(alphabet[lastValue | 1])
        let refused: [(String, String)] = [
            ("padded signature", parts[0] + "." + parts[1] + "." + padded(parts[2])),
            ("padded header", padded(parts[0]) + "." + parts[1] + "." + parts[2]),
            ("padded claims", parts[0] + "." + padded(parts[1]) + "." + parts[2]),
            ("signature in the standard alphabet", parts[0] + "." + parts[1] + "." + standard(parts[2])),
            ("non-canonical last character", nonCanonical),
            ("a line break in the signature", parts[0] + "." + parts[1] + "." + String(parts[2].prefix(20)) + "\n" + String(parts[2].dropFirst(20))),
            ("a space before the token", " " + valid),
            ("a line break after the token", valid + "\n"),
            ("a fourth part", valid + ".e30"),
            ("two parts", parts[0] + "." + parts[1]),
            ("one character cut from the signature", String(valid.dropLast())),
            ("one character added to the signature", valid + "A"),
        ]
        try await withServer(Self.arguments) { server in
            #expect(parts[2].count == 43)
            // A part already a multiple of four long gets no padding: that case is the
            // valid token, and is left out.
            for (name, token) in refused where token != valid {
                try Self.expectRefused(server, name, token)
            }
            let accepted = try server.register(fields: ["location": "/chat", "token": .string(valid)])
            #expect(accepted.status == 201, "the unaltered token: \(accepted)")
        }
    }

    @Test func aHeaderClaimsOrSignatureAlteredAfterSigningIsRefused() async throws {
        let bob = Self.signed(claims: #"{"sub":"bob","aud":"livepage","exp":\#(Self.expiry)}"#)
        let forLobby = Self.signed(claims: #"{"sub":"alice","aud":"livepage","exp":\#(Self.expiry),"loc":"/lobby"}"#)
        let valid = Self.signed()
        let parts = Self.parts(valid)
        func withClaims(_ claims: String, signatureOf token: String = valid) -> String {
            parts[0] + "." + Base64URL.encode(claims.utf8) + "." + Self.parts(token)[2]
        }
        let refused: [(String, String)] = [
            ("a kid added to the header", Base64URL.encode(#"{"alg":"HS256","typ":"JWT","kid":"x"}"#.utf8) + "." + parts[1] + "." + parts[2]),
            ("the header re-encoded with a space", Base64URL.encode(#"{"alg": "HS256","typ":"JWT"}"#.utf8) + "." + parts[1] + "." + parts[2]),
            ("exp extended", withClaims(#"{"sub":"alice","aud":"livepage","exp":\#(Self.expiry + 86400)}"#)),
            ("sub changed", withClaims(#"{"sub":"admin","aud":"livepage","exp":\#(Self.expiry)}"#)),
            ("loc removed", withClaims(#"{"sub":"alice","aud":"livepage","exp":\#(Self.expiry)}"#, signatureOf: forLobby)),
            ("bob's claims with alice's signature", Self.parts(bob)[0] + "." + Self.parts(bob)[1] + "." + parts[2]),
            ("alice's claims with bob's signature", parts[0] + "." + parts[1] + "." + Self.parts(bob)[2]),
            ("header and claims swapped", parts[1] + "." + parts[0] + "." + parts[2]),
            ("the first signature character changed", Self.alteringSignature(valid) { $0.startIndex }),
            ("the last signature character changed", Self.alteringSignature(valid) { $0.index(before: $0.endIndex) }),
            ("an empty signature", parts[0] + "." + parts[1] + "."),
            ("HS256 with the signature of an unsigned token", parts[0] + "." + parts[1] + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        ]
        try await withServer(Self.arguments) { server in
            for (name, token) in refused {
                try Self.expectRefused(server, name, token)
            }
            #expect(try server.metric("livepage_clients") == 0)
        }
    }

    @Test func claimsOfTheWrongShapeAreRefused() async throws {
        let expiry = Self.expiry
        let refused: [(String, String)] = [
            ("exp as a string", #"{"sub":"alice","aud":"livepage","exp":"\#(expiry)"}"#),
            ("exp with a fraction", #"{"sub":"alice","aud":"livepage","exp":\#(expiry).5}"#),
            ("exp with an exponent", #"{"sub":"alice","aud":"livepage","exp":1e12}"#),
            ("exp beyond Int", #"{"sub":"alice","aud":"livepage","exp":9223372036854775808}"#),
            ("exp null", #"{"sub":"alice","aud":"livepage","exp":null}"#),
            ("exp zero", #"{"sub":"alice","aud":"livepage","exp":0}"#),
            ("exp negative", #"{"sub":"alice","aud":"livepage","exp":-1}"#),
            ("sub twice", #"{"sub":"alice","sub":"admin","aud":"livepage","exp":\#(expiry)}"#),
            ("exp twice", #"{"sub":"alice","aud":"livepage","exp":1,"exp":\#(expiry)}"#),
            ("aud as a number", #"{"sub":"alice","aud":1,"exp":\#(expiry)}"#),
            ("aud in another case", #"{"sub":"alice","aud":"LIVEPAGE","exp":\#(expiry)}"#),
            ("claims as an array", #"["alice"]"#),
            ("claims not JSON", "alice"),
        ]
        try await withServer(Self.arguments) { server in
            for (name, claims) in refused {
                try Self.expectRefused(server, name, Self.signed(claims: claims))
            }
            let crit = Self.signed(header: #"{"alg":"HS256","typ":"JWT","crit":["exp"]}"#)
            try Self.expectRefused(server, "a crit header", crit)
            let lowercaseType = Self.signed(header: #"{"alg":"HS256","typ":"jwt"}"#)
            try Self.expectRefused(server, "typ jwt", lowercaseType)
            #expect(try server.metric("livepage_clients") == 0)

            let farFuture = Self.signed(claims: #"{"sub":"alice","aud":"livepage","exp":9223372036854775807}"#)
            let accepted = try server.register(fields: ["location": "/chat", "token": .string(farFuture)])
            #expect(accepted.status == 201, "an exp at Int.max is far in the future, not an overflow: \(accepted)")
        }
    }

    @Test func aLocationThatOnlyLooksLikeTheTokensIsRefused() async throws {
        let tokenLocations = ["/chat", "/Kevin", "/caf\u{E9}"]
        let tried: [(token: String, requested: String)] = [
            ("/chat", "/Chat"), ("/chat", "/chat/"), ("/chat", "/chat/lobby"), ("/chat", "/cha"), ("/chat", "/chat?room=1"),
            ("/chat", "/chat#x"), ("/chat", " /chat"), ("/chat", "/chat\u{200B}"), ("/chat", "/%63hat"),
            ("/Kevin", "/\u{212A}evin"),  // KELVIN SIGN: canonically equivalent, another location
            ("/caf\u{E9}", "/cafe\u{301}"),  // the same word decomposed
        ]
        try await withServer(Self.arguments) { server in
            for (tokenLocation, requested) in tried {
                let claims = attackJSON(["sub": "alice", "aud": "livepage", "exp": .number(JSONNumber(Self.expiry)), "loc": .string(tokenLocation)])
                try Self.expectRefused(server, "a token for \(tokenLocation.debugDescription) at \(requested.debugDescription)", Self.signed(claims: claims), at: requested)
            }
            for (name, loc) in [("loc as a number", "1"), ("loc as an array", #"["/chat"]"#), ("loc null", "null"), ("loc empty", #""""#)] {
                let claims = #"{"sub":"alice","aud":"livepage","exp":\#(Self.expiry),"loc":\#(loc)}"#
                try Self.expectRefused(server, name, Self.signed(claims: claims))
            }
            #expect(try server.metric("livepage_clients") == 0)
            for location in tokenLocations {
                let claims = attackJSON(["sub": "alice", "aud": "livepage", "exp": .number(JSONNumber(Self.expiry)), "loc": .string(location)])
                let exact = try server.register(fields: ["location": .string(location), "token": .string(Self.signed(claims: claims))])
                #expect(exact.status == 201, "\(location): \(exact)")
            }
        }
    }

    @Test func aSignedSubjectIsStillCheckedAndStaysData() async throws {
        func token(_ subject: String) -> String {
            Self.signed(claims: attackJSON(["sub": .string(subject), "aud": "livepage", "exp": .number(JSONNumber(Self.expiry))]))
        }
        try await withServer(Self.arguments) { server in
            // A backend that signs whatever a user typed must still not put a line break
            // into the principal, which goes into presence lists and logs.
            try Self.expectRefused(server, "sub with CR LF", token("alice\r\nSet-Cookie: x=1"), status: 400)
            try Self.expectRefused(server, "sub with a NUL", token("alice\u{0}admin"), status: 400)
            try Self.expectRefused(server, "sub over 256 bytes", token(String(repeating: "a", count: 257)), status: 400)

            let hostile = "<img src=x onerror=alert(1)>"
            let response = try server.register(fields: ["location": "/chat", "token": .string(token(hostile))])
            #expect(response.status == 201, "\(response)")
            #expect(response.header("Content-Type") == "application/json")
            #expect(try response.json().string("principal") == hostile, "the principal is data in JSON, shown by the page as text")
            #expect(response.header("Set-Cookie") == nil)

            let openModeToken = try server.register(fields: ["location": "/chat", "principal": "alice", "token": .string(token("alice"))])
            expectError(openModeToken, 400, mentioning: ["principal"])
        }
    }
}
