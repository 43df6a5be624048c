import LivePageTestSupport
import LivePageTesting
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
        try await withInProcessServer(["--max-clients-per-principal", "2"]) { server in
            let first = try await server.registerClient(at: "/a", principal: "alice")
            _ = try await server.registerClient(at: "/b", principal: "alice")
            for location in ["/a", "/c"] {
                let refused = try await server.register(#"{"location": "\#(location)", "principal": "alice"}"#)
                expectError(refused, 429)
                #expect((Self.retryAfter(refused) ?? 0) > 0, "\(refused)")
            }
            _ = try await server.registerClient(at: "/a", principal: "bob")
            _ = try await server.registerClient(at: "/a", principal: "bob")
            for _ in 0..<3 { _ = try await server.registerClient(at: "/a") }

            #expect(try await server.close(first).status == 204)
            #expect(try await server.register(#"{"location": "/a", "principal": "alice"}"#).status == 201)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aLocationOverTheLocationLimitIsTooManyRequests() async throws {
        try await withInProcessServer(["--max-locations", "2"]) { server in
            _ = try await server.registerClient(at: "/a")
            let onB = try await server.registerClient(at: "/b")
            let refused = try await server.register(#"{"location": "/c"}"#)
            expectError(refused, 429)
            #expect((Self.retryAfter(refused) ?? 0) > 0, "\(refused)")
            #expect(try await server.metric("livepage_locations") == 2)

            _ = try await server.registerClient(at: "/a")
            _ = try await server.registerClient(at: "/b")
            #expect(try await server.close(onB).status == 204)
            expectError(try await server.register(#"{"location": "/c"}"#), 429)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aLocationWithoutClientsNoLongerCounts() async throws {
        try await withInProcessServer(["--max-locations", "1"]) { server in
            let only = try await server.registerClient(at: "/a")
            expectError(try await server.register(#"{"location": "/b"}"#), 429)
            #expect(try await server.close(only).status == 204)
            #expect(try await server.register(#"{"location": "/b"}"#).status == 201)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aFullServerIsUnavailable() async throws {
        try await withInProcessServer(["--max-clients", "3"]) { server in
            let first = try await server.registerClient(at: "/a", principal: "alice")
            _ = try await server.registerClient(at: "/b")
            _ = try await server.registerClient(at: "/c", principal: "bob")
            for body in [#"{"location": "/a"}"#, #"{"location": "/d", "principal": "carol"}"#] {
                expectError(try await server.register(body), 503)
            }
            #expect(try await server.metric("livepage_clients") == 3)
            #expect(try await server.close(first).status == 204)
            #expect(try await server.register(#"{"location": "/d"}"#).status == 201)
        }
    }
}
