import LivePageTestSupport
import Testing

/// The registration limits of PROTOCOL.md: clients per principal and distinct locations
/// (`429` with `Retry-After`), clients per server (`503`).
@Suite struct RegistrationLimitTests {
    /// `Retry-After` as a number of seconds, if it is one.
    static func retryAfter(_ response: TestHTTPResponse) -> Int? {
        response.header("Retry-After").flatMap { Int($0) }
    }

    @Test(.timeLimit(.minutes(2)))
    func aPrincipalOverItsClientLimitIsTooManyRequests() async throws {
        try await withServer(["--max-clients-per-principal", "2"]) { server in
            let first = try server.registerClient(at: "/a", principal: "alice")
            _ = try server.registerClient(at: "/b", principal: "alice")
            for location in ["/a", "/c"] {
                let refused = try server.register(#"{"location": "\#(location)", "principal": "alice"}"#)
                expectError(refused, 429)
                #expect((Self.retryAfter(refused) ?? 0) > 0, "\(refused)")
            }
            _ = try server.registerClient(at: "/a", principal: "bob")
            _ = try server.registerClient(at: "/a", principal: "bob")
            for _ in 0..<3 { _ = try server.registerClient(at: "/a") }

            #expect(try server.close(first).status == 204)
            #expect(try server.register(#"{"location": "/a", "principal": "alice"}"#).status == 201)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aLocationOverTheLocationLimitIsTooManyRequests() async throws {
        try await withServer(["--max-locations", "2"]) { server in
            _ = try server.registerClient(at: "/a")
            let onB = try server.registerClient(at: "/b")
            let refused = try server.register(#"{"location": "/c"}"#)
            expectError(refused, 429)
            #expect((Self.retryAfter(refused) ?? 0) > 0, "\(refused)")
            #expect(try server.metric("livepage_locations") == 2)

            _ = try server.registerClient(at: "/a")
            _ = try server.registerClient(at: "/b")
            #expect(try server.close(onB).status == 204)
            expectError(try server.register(#"{"location": "/c"}"#), 429)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aLocationWithoutClientsNoLongerCounts() async throws {
        try await withServer(["--max-locations", "1"]) { server in
            let only = try server.registerClient(at: "/a")
            expectError(try server.register(#"{"location": "/b"}"#), 429)
            #expect(try server.close(only).status == 204)
            #expect(try server.register(#"{"location": "/b"}"#).status == 201)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aFullServerIsUnavailable() async throws {
        try await withServer(["--max-clients", "3"]) { server in
            let first = try server.registerClient(at: "/a", principal: "alice")
            _ = try server.registerClient(at: "/b")
            _ = try server.registerClient(at: "/c", principal: "bob")
            for body in [#"{"location": "/a"}"#, #"{"location": "/d", "principal": "carol"}"#] {
                expectError(try server.register(body), 503)
            }
            #expect(try server.metric("livepage_clients") == 3)
            #expect(try server.close(first).status == 204)
            #expect(try server.register(#"{"location": "/d"}"#).status == 201)
        }
    }
}
