import Glibc
import LivePageEvents
import LivePageServer
import LivePageTestSupport
import Testing

/// A user opening thousands of tabs: the default 32 clients per principal are served,
/// every registration beyond is `429` with `Retry-After` and a sentence saying why, and
/// other users and the server are unaffected.
@Suite(.timeLimit(.minutes(4)))
struct PrincipalLimitAttackTests {
    static let limit = 32
    static let tabs = 2000

    /// Registers `tabs` clients with `body(index)` on one kept-alive connection and
    /// returns the answers.
    static func openTabs(_ server: LiveServer, _ body: (Int) -> String) throws -> [TestHTTPResponse] {
        let connection = try server.connect()
        return try (0..<tabs).map { index in
            try connection.post("/livepage/clients", headers: [("Content-Type", "application/json")], body: body(index))
        }
    }

    /// Expects the first ``limit`` answers `201` and every other one the `429` of a
    /// principal over its limit.
    static func expectCapped(_ answers: [TestHTTPResponse], sourceLocation: SourceLocation = #_sourceLocation) {
        let created = answers.filter { $0.status == 201 }
        #expect(created.count == limit, "\(created.count) tabs were opened", sourceLocation: sourceLocation)
        #expect(answers.prefix(limit).allSatisfy { $0.status == 201 }, sourceLocation: sourceLocation)
        for refused in answers.dropFirst(limit) {
            expectError(refused, 429, mentioning: ["\(limit) pages open already", "close one"], sourceLocation: sourceLocation)
            #expect(Int(refused.header("Retry-After") ?? "") ?? 0 > 0, "\(refused)", sourceLocation: sourceLocation)
        }
    }

    @Test func thousandsOfTabsOfOnePrincipalAreCappedAndToldSo() async throws {
        try await withServer { server in
            // Spread over locations: the limit is the principal's, wherever its tabs are.
            let answers = try Self.openTabs(server) { #"{"location": "/room/\#($0 % 50)", "principal": "mallory"}"# }
            Self.expectCapped(answers)
            #expect(try server.metric("livepage_clients") == Self.limit)

            _ = try server.registerClient(at: "/room/1", principal: "alice")
            _ = try server.registerClient(at: "/room/1")
            try server.expectHealthy(after: "\(Self.tabs) tabs")

            // Closing a tab frees its place, and only one.
            let first = try #require(try answers[0].json().string("client"))
            #expect(try server.close(first).status == 204)
            #expect(try server.register(#"{"location": "/room/1", "principal": "mallory"}"#).status == 201)
            expectError(try server.register(#"{"location": "/room/1", "principal": "mallory"}"#), 429)
        }
    }

    @Test func inTokenModeEveryTokenOfOneSubjectSharesTheCap() async throws {
        let expiry = time(nil) + 3600
        func token(_ subject: String, _ location: String? = nil) throws -> String {
            try JSONWebToken.sign(TokenClaims(subject: subject, expiry: expiry, location: location), secret: TokenFixtures.secret)
        }
        let tokens = try (0..<Self.tabs).map { try token("mallory", $0 % 2 == 0 ? nil : "/room/\($0 % 10)") }
        try await withServer(TokenRegistrationTests.arguments) { server in
            let answers = try Self.openTabs(server) { index in
                attackJSON(["location": .string("/room/\(index % 10)"), "token": .string(tokens[index])])
            }
            Self.expectCapped(answers)
            let alice = try server.register(fields: ["location": "/room/1", "token": .string(try token("alice"))])
            #expect(alice.status == 201, "\(alice)")
            #expect(try server.metric("livepage_clients") == Self.limit + 1)
        }
    }

    /// Anonymous clients have no principal to count against: only the server's limit
    /// holds them, answered `503`. SECURITY.md says so.
    @Test func anonymousClientsAreHeldByTheServersLimitOnly() async throws {
        try await withServer(["--max-clients", "40"]) { server in
            for _ in 0..<40 { _ = try server.registerClient(at: "/room") }
            let full = try server.register(#"{"location": "/room"}"#)
            expectError(full, 503, mentioning: ["maximum of 40 clients"])
            #expect(full.header("Retry-After") != nil)
            expectError(try server.register(#"{"location": "/room", "principal": "alice"}"#), 503)
            try server.expectHealthy(after: "a full server")
        }
    }
}
