import LivePageEvents
import LivePageTestSupport
import LivePageTesting
import Testing

/// The Origin check on input and close, and CORS preflights for allowed origins; a
/// refused page's answers (`RefusedOriginTests`).
@Suite struct OriginTests {
    static let allowed = "https://app.example"
    static let arguments = ["--allowed-origin", allowed, "--allowed-origin", "http://second.example:8080"]

    /// Header sets and whether a browser POST carrying them may act.
    static func cases(ownOrigin: String) -> [(headers: [(name: String, value: String)], passes: Bool)] {
        [
            ([], true),
            ([("Sec-Fetch-Site", "same-origin")], true),
            ([("Sec-Fetch-Site", "same-origin"), ("Origin", "https://evil.example")], true),
            ([("Origin", ownOrigin)], true),
            ([("Origin", allowed)], true),
            ([("Origin", "http://second.example:8080")], true),
            ([("Origin", "https://evil.example")], false),
            ([("Origin", "null")], false),
            ([("Sec-Fetch-Site", "cross-site"), ("Origin", "https://evil.example")], false),
            ([("Sec-Fetch-Site", "same-site"), ("Origin", "https://sub.app.example")], false),
            ([("Origin", "http://app.example")], false),
            ([("Origin", ownOrigin.replacing("127.0.0.1", with: "localhost"))], false),
            ([("Origin", ownOrigin + "/")], false),
        ]
    }

    @Test(.timeLimit(.minutes(2)))
    func inputFromAForeignOriginIsForbidden() async throws {
        try await withInProcessServer(Self.arguments) { server in
            let sender = try await server.registerClient(at: "/chat", principal: "alice")
            let reader = try await server.registerClient(at: "/chat", principal: "bob")
            var sent: [String] = []
            for (index, test) in Self.cases(ownOrigin: server.origin).enumerated() {
                let response = try await server.input(sender, form: "verb=append&id=log&html=\(index)", headers: test.headers)
                if test.passes {
                    #expect(response.status == 200, "\(test.headers): \(response)")
                    sent.append(String(index))
                } else {
                    expectError(response, 403, hiding: [sender])
                    #expect(response.status == 403, "\(test.headers)")
                }
            }
            #expect(try server.events(reader).map { $0.string("html") ?? "" } == sent)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func closeFromAForeignOriginIsForbidden() async throws {
        try await withInProcessServer(Self.arguments) { server in
            for test in Self.cases(ownOrigin: server.origin) {
                let id = try await server.registerClient()
                let response = try await server.close(id, headers: test.headers)
                if test.passes {
                    #expect(response.status == 204, "\(test.headers): \(response)")
                    expectError(try await server.online(id), 410, reason: "closed")
                } else {
                    expectError(response, 403, hiding: [id])
                    #expect(try await server.online(id).status == 200, "\(test.headers): a refused close must not close")
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func answersToAnAllowedOriginNameIt() async throws {
        try await withInProcessServer(Self.arguments) { server in
            let id = try await server.registerClient()
            let input = try await server.input(id, form: "verb=append&id=log&html=x", headers: [("Origin", Self.allowed)])
            #expect(input.header("Access-Control-Allow-Origin") == Self.allowed, "\(input)")
            #expect(input.headers(named: "Vary").contains("Origin"))
            // The input above is queued for its sender: the poll is answered at once.
            let output = try server.answered(server.send(TestHTTPRequest("GET", server.outputPath(id), headers: [("Origin", Self.allowed)])))
            #expect(output.status == 200)
            #expect(output.header("Access-Control-Allow-Origin") == Self.allowed, "\(output)")
            let register = try await server.postJSON("/livepage/clients", #"{"location": "/a"}"#, headers: [("Origin", Self.allowed)])
            #expect(register.status == 201)
            #expect(register.header("Access-Control-Allow-Origin") == Self.allowed, "\(register)")
            let online = try await server.request("GET", "/livepage/clients/\(id)/online", headers: [("Origin", Self.allowed)])
            #expect(online.header("Access-Control-Allow-Origin") == Self.allowed, "\(online)")
            let own = try await server.input(id, form: "verb=append&id=log&html=x", headers: [("Origin", server.origin)])
            #expect(own.header("Access-Control-Allow-Origin") == nil, "\(own)")
            // A foreign page may read only why it is refused, never events.
            let foreign = try server.answered(server.send(TestHTTPRequest("GET", server.outputPath(id), headers: [("Origin", "https://evil.example")])))
            expectError(foreign, 403, reason: "origin", hiding: [id])
            #expect(foreign.header("Access-Control-Allow-Origin") == "https://evil.example", "\(foreign)")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func anAllowedOriginGetsPreflightAnswers() async throws {
        try await withInProcessServer(Self.arguments) { server in
            let id = try await server.registerClient()
            let preflight: [(name: String, value: String)] = [
                ("Origin", Self.allowed), ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "content-type"),
            ]
            for path in ["/livepage/clients/\(id)/input", "/livepage/clients/\(id)/close", "/livepage/clients"] {
                let response = try await server.request("OPTIONS", path, headers: preflight)
                #expect(response.status == 204, "\(path): \(response)")
                #expect(response.header("Access-Control-Allow-Origin") == Self.allowed)
                #expect(response.header("Access-Control-Allow-Methods")?.contains("POST") == true)
                #expect(response.header("Access-Control-Allow-Headers")?.lowercased().contains("content-type") == true)
                #expect(response.header("X-Content-Type-Options") == "nosniff")

                // Answered too, so that the page can read why its request is refused.
                let foreign = try await server.request("OPTIONS", path, headers: [("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")])
                #expect(foreign.status == 204, "\(path): \(foreign)")
                #expect(foreign.header("Access-Control-Allow-Origin") == "https://evil.example")
                let refused = try await server.request("POST", path, headers: [("Origin", "https://evil.example"), ("Content-Type", "application/json")], body: "{}")
                expectError(refused, 403, reason: "origin", hiding: [id])
            }
            #expect(try await server.online(id).status == 200, "a preflight acts on nothing")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aConfiguredPublicOriginReplacesTheHostAsTheServersOwn() async throws {
        try await withInProcessServer(["--public-origin", "https://pages.example"]) { server in
            let id = try await server.registerClient()
            let fromPages = try await server.input(id, form: "verb=append&id=log&html=x", headers: [("Origin", "https://pages.example")])
            #expect(fromPages.status == 200, "\(fromPages)")
            expectError(try await server.input(id, form: "verb=append&id=log&html=x", headers: [("Origin", server.origin)]), 403, hiding: [id])
            expectError(try await server.close(id, headers: [("Origin", server.origin)]), 403, hiding: [id])
            #expect(try await server.close(id, headers: [("Origin", "https://pages.example")]).status == 204)
        }
    }
}
