import Glibc
import LivePageServer
import LivePageTestSupport
import LivePageTesting
import Testing

/// `POST /livepage/clients` in token mode: the principal comes from an HS256 JWT signed
/// with the server's secret, and nothing else is taken.
@Suite struct TokenRegistrationTests {
    static let secret = String(decoding: TokenFixtures.secret, as: UTF8.self)
    static let arguments = ["--token-secret", secret]

    /// A token for `subject` expiring `lifetime` seconds from now, signed with `secret`.
    static func token(
        _ subject: String = "alice", lifetime: Int = 3600, location: String? = nil, secret: [UInt8] = TokenFixtures.secret
    ) throws -> String {
        try JSONWebToken.sign(TokenClaims(subject: subject, expiry: time(nil) + lifetime, location: location), secret: secret)
    }

    /// Claims as JSON text expiring in an hour.
    static var claims: String { #"{"sub":"alice","aud":"livepage","exp":\#(time(nil) + 3600)}"# }

    @Test(.timeLimit(.minutes(2)))
    func aValidTokenGivesItsSubjectAsThePrincipal() async throws {
        try await withInProcessServer(Self.arguments) { server in
            let response = try await server.register(#"{"location": "/chat", "token": "\#(try Self.token("zorg.member.uwe"))"}"#)
            #expect(response.status == 201, "\(response)")
            let body = try response.json()
            #expect(body.string("principal") == "zorg.member.uwe")
            #expect(body.string("location") == "/chat")
            #expect(RegistrationTests.isClientID(body.string("client") ?? ""))
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aTokenWithALocationIsValidThereOnly() async throws {
        try await withInProcessServer(Self.arguments) { server in
            let token = try Self.token(location: "/chat/lobby")
            #expect(try await server.register(#"{"location": "/chat/lobby", "token": "\#(token)"}"#).status == 201)
            let elsewhere = try await server.register(#"{"location": "/chat/other", "token": "\#(token)"}"#)
            expectError(elsewhere, 403, mentioning: ["location"])
            let anywhere = try Self.token()
            #expect(try await server.register(#"{"location": "/chat/other", "token": "\#(anywhere)"}"#).status == 201)
            #expect(try await server.register(#"{"location": "/x", "token": "\#(anywhere)"}"#).status == 201)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func tokensThatDoNotVerifyAreForbidden() async throws {
        let header = #"{"alg":"HS256","typ":"JWT"}"#
        let unsigned = Base64URL.encode(#"{"alg":"none","typ":"JWT"}"#.utf8) + "." + Base64URL.encode(Self.claims.utf8) + "."
        let refused: [(String, String)] = [
            ("alg none, unsigned", unsigned),
            ("alg none, signed", TokenFixtures.token(header: #"{"alg":"none","typ":"JWT"}"#, claims: Self.claims)),
            ("alg HS512", TokenFixtures.token(header: #"{"alg":"HS512","typ":"JWT"}"#, claims: Self.claims)),
            ("another secret", try Self.token(secret: TokenFixtures.otherSecret)),
            ("expired beyond the leeway", try Self.token(lifetime: -3600)),
            ("expired just beyond the leeway", try Self.token(lifetime: -90)),
            ("no aud", TokenFixtures.token(header: header, claims: #"{"sub":"alice","exp":\#(time(nil) + 3600)}"#)),
            ("another aud", TokenFixtures.token(header: header, claims: #"{"sub":"alice","aud":"x","exp":\#(time(nil) + 3600)}"#)),
            ("no exp", TokenFixtures.token(header: header, claims: #"{"sub":"alice","aud":"livepage"}"#)),
            ("no sub", TokenFixtures.token(header: header, claims: #"{"aud":"livepage","exp":\#(time(nil) + 3600)}"#)),
            ("not yet valid", TokenFixtures.token(header: header, claims: #"{"sub":"alice","aud":"livepage","exp":\#(time(nil) + 7200),"nbf":\#(time(nil) + 3600)}"#)),
            ("typ not JWT", TokenFixtures.token(header: #"{"alg":"HS256","typ":"JWE"}"#, claims: Self.claims)),
            ("not a token", "not-a-token"),
            ("bad base64", "!!!." + Base64URL.encode(Self.claims.utf8) + ".abc"),
            ("tampered claims", try Self.tampered(Self.token())),
            ("empty", ""),
        ]
        try await withInProcessServer(Self.arguments) { server in
            for (name, token) in refused {
                let response = try await server.register(#"{"location": "/chat", "token": "\#(token)"}"#)
                #expect(response.status == 403, "\(name): \(response)")
                expectError(response, 403, hiding: [Self.secret])
            }
            #expect(try await server.metric("livepage_clients") == 0)
        }
    }

    /// `token` with its claims replaced by others for `mallory`, the signature kept.
    static func tampered(_ token: String) -> String {
        let parts = token.split(separator: ".")
        let claims = #"{"sub":"mallory","aud":"livepage","exp":\#(time(nil) + 3600)}"#
        return String(parts[0]) + "." + Base64URL.encode(claims.utf8) + "." + String(parts[2])
    }

    @Test(.timeLimit(.minutes(2)))
    func aTokenExpiredWithinTheLeewayIsAccepted() async throws {
        try await withInProcessServer(Self.arguments) { server in
            let response = try await server.register(#"{"location": "/chat", "token": "\#(try Self.token(lifetime: -20))"}"#)
            #expect(response.status == 201, "\(response)")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aMissingTokenOrAPrincipalFieldIsABadRequest() async throws {
        try await withInProcessServer(Self.arguments) { server in
            expectError(try await server.register(#"{"location": "/chat"}"#), 400, mentioning: ["token"])
            expectError(try await server.register(#"{"location": "/chat", "token": 42}"#), 400, mentioning: ["token"])
            expectError(try await server.register(#"{"location": "/chat", "principal": "alice"}"#), 400, mentioning: ["principal"])
            let token = try Self.token()
            let both = try await server.register(#"{"location": "/chat", "token": "\#(token)", "principal": "alice"}"#)
            expectError(both, 400, mentioning: ["principal"])
            let null = try await server.register(#"{"location": "/chat", "token": "\#(token)", "principal": null}"#)
            expectError(null, 400, mentioning: ["principal"])
            #expect(try await server.metric("livepage_clients") == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func tokenModeAppliesTheSameLimits() async throws {
        try await withInProcessServer(Self.arguments + ["--max-clients-per-principal", "1"]) { server in
            let token = try Self.token("bob")
            #expect(try await server.register(#"{"location": "/chat", "token": "\#(token)"}"#).status == 201)
            let second = try await server.register(#"{"location": "/chat", "token": "\#(token)"}"#)
            expectError(second, 429)
            #expect(second.header("Retry-After") != nil)
        }
    }
}
