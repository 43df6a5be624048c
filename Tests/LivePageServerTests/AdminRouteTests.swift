import LivePageEvents
import LivePageTestSupport
import LivePageTesting
import Testing

/// `/livepage/admin`: who may open it, the sign-in cookie, the reserved location, and the
/// figures its client receives (SECURITY.md, "The admin page").
@Suite struct AdminRouteTests {
    static let adminKey = "admin-key-for-tests-0123456789"
    static let form = [("Content-Type", "application/x-www-form-urlencoded")]

    /// `POST /admin` with the form `body`.
    static func signIn(_ server: InProcessServer, body: String, headers: [(name: String, value: String)] = []) async throws
        -> TestHTTPResponse
    {
        try await server.request("POST", "/livepage/admin", headers: form + headers, body: body)
    }

    /// Signs in with `key` and returns the cookie to send (`name=value`), expecting `303`.
    static func cookie(_ server: InProcessServer, key: String, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> String
    {
        let response = try await signIn(server, body: "key=" + key)
        try #require(response.status == 303, "\(response)", sourceLocation: sourceLocation)
        let setCookie = try #require(response.header("Set-Cookie"), sourceLocation: sourceLocation)
        return String(setCookie.prefix { $0 != ";" })
    }

    @Test(.timeLimit(.minutes(2)))
    func theAdminPageIsNotFoundWithoutAnyKey() async throws {
        try await withInProcessServer { server in
            expectError(try await server.request("GET", "/livepage/admin"), 404, mentioning: ["admin"])
            expectError(try await Self.signIn(server, body: "key=anything-at-all-0123456789"), 404)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func withoutSigningInItIsRefusedWithTheSignInForm() async throws {
        try await withInProcessServer(publishing) { server in
            let response = try await server.request("GET", "/livepage/admin")
            #expect(response.status == 401)
            #expect(response.header("Content-Type") == "text/html; charset=utf-8")
            #expect(response.text.contains("<form method=\"post\" action=\"/livepage/admin\">"))
            #expect(response.text.contains("name=\"key\" type=\"password\""))
            #expect(!response.text.contains("LivePage.start"))
            #expect(response.header("Cache-Control") == "no-store, private")
            #expect(response.header("X-Frame-Options") == "DENY")
            #expect(response.header("Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
            // A key in the query, a bearer header or a forged cookie opens nothing.
            for headers in [
                [("Authorization", "Bearer \(publishKey)")],
                [("Cookie", "livepage_admin=v1.9999999999.\(String(repeating: "0", count: 64))")],
                [("Cookie", "livepage_admin=\(publishKey)")],
            ] as [[(name: String, value: String)]] {
                #expect(try await server.request("GET", "/livepage/admin", headers: headers).status == 401, "\(headers)")
            }
            #expect(try await server.request("GET", "/livepage/admin?key=\(publishKey)").status == 401)
            #expect(try await server.metric("livepage_clients") == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aWrongKeyIsRefusedWithTheFormAndNoCookie() async throws {
        try await withInProcessServer(publishing + ["--admin-key", Self.adminKey]) { server in
            for body in ["key=wrong-key-0123456789abcdef", "key=\(publishKey)x", "key=\(publishKey.dropLast())", "key=", "other=1"] {
                let response = try await Self.signIn(server, body: body)
                #expect(response.status == 401, "\(body)")
                #expect(response.header("Set-Cookie") == nil)
                #expect(response.text.contains("That key does not open the admin page."), "\(body)")
                #expect(!response.text.contains(publishKey) && !response.text.contains(Self.adminKey))
            }
            expectError(try await server.request("POST", "/livepage/admin", headers: [("Content-Type", "application/json")], body: "{}"), 415)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func theRightKeySetsAStrictHttpOnlyCookieThatOpensThePage() async throws {
        try await withInProcessServer(publishing + ["--admin-key", Self.adminKey]) { server in
            for key in [Self.adminKey, publishKey] {
                let response = try await Self.signIn(server, body: "key=" + key)
                #expect(response.status == 303)
                #expect(response.header("Location") == "/livepage/admin")
                let setCookie = try #require(response.header("Set-Cookie"))
                #expect(setCookie.hasPrefix("livepage_admin=v1."))
                for attribute in ["Path=/livepage/admin", "Max-Age=43200", "HttpOnly", "SameSite=Strict"] {
                    #expect(setCookie.contains("; \(attribute)"), "\(setCookie)")
                }
                #expect(!setCookie.contains("Secure"))  // plain HTTP here; Secure with an https public origin
                #expect(!setCookie.contains(key))
            }
            let cookie = try await Self.cookie(server, key: Self.adminKey)
            let page = try await server.request("GET", "/livepage/admin", headers: [("Cookie", "other=1; " + cookie)])
            #expect(page.status == 200)
            #expect(page.text.contains("LivePage.start({\"prefix\":\"/livepage\",\"client\":"))
            #expect(page.text.contains(#""location":"/livepage/admin""#))
            let policy = try #require(page.header("Content-Security-Policy"))
            let nonce = try #require(policy.firstRange(of: "'nonce-").map { policy[$0.upperBound...].prefix(32) })
            #expect(page.text.contains("<script nonce=\"\(nonce)\">"))
            #expect(!policy.contains("unsafe-inline"))
            #expect(page.header("Cache-Control") == "no-store, private")
            #expect(try await server.metric("livepage_clients") == 1)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func signingOutClearsTheCookie() async throws {
        try await withInProcessServer(publishing) { server in
            let response = try await Self.signIn(server, body: "logout=1")
            #expect(response.status == 303)
            let setCookie = try #require(response.header("Set-Cookie"))
            #expect(setCookie.hasPrefix("livepage_admin=;") && setCookie.contains("Max-Age=0"))
        }
    }

    /// A cookie signed with a key the server no longer has opens nothing.
    @Test(.timeLimit(.minutes(2)))
    func aCookieOfAKeyNoLongerConfiguredIsRefused() async throws {
        let cookie = try await withInProcessServer(publishing + ["--admin-key", Self.adminKey]) { server in
            try await Self.cookie(server, key: Self.adminKey)
        }
        try await withInProcessServer(publishing) { server in
            let response = try await server.request("GET", "/livepage/admin", headers: [("Cookie", cookie)])
            #expect(response.status == 401)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func anotherSitesPageCannotSignIn() async throws {
        try await withInProcessServer(publishing + ["--allowed-origin", "http://app.example"]) { server in
            expectError(
                try await Self.signIn(server, body: "key=" + publishKey, headers: [("Origin", "http://evil.example")]), 403, reason: "origin")
            expectError(try await Self.signIn(server, body: "key=" + publishKey, headers: [("Origin", "http://app.example")]), 403)
            let own = try await Self.signIn(server, body: "key=" + publishKey, headers: [("Origin", server.origin)])
            #expect(own.status == 303)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func nobodyElseRegistersAtTheAdminLocation() async throws {
        try await withInProcessServer(publishing) { server in
            let response = try await server.register(#"{"location": "/livepage/admin"}"#)
            expectError(response, 403, mentioning: ["reserved"])
            #expect(try await server.register(#"{"location": "/livepage/admin/"}"#).status == 201)
        }
    }

    /// The page's client gets the figures at once and then every second; the figures count
    /// the other clients and list their locations.
    @Test(.timeLimit(.minutes(2)))
    func theAdminClientGetsTheFiguresThroughLivePage() async throws {
        try await withInProcessServer(publishing) { server in
            _ = try await server.registerClient(at: "/chat", principal: "alice")
            _ = try await server.registerClient(at: "/chat")
            _ = try await server.registerClient(at: "/board")
            let cookie = try await Self.cookie(server, key: publishKey)
            let page = try await server.request("GET", "/livepage/admin", headers: [("Cookie", cookie)])
            let client = try #require(page.text.firstRange(of: #""client":""#).map { String(page.text[$0.upperBound...].prefix(36)) })
            let first = try #require(try server.events(client).first)
            #expect(first.string("verb") == "livepage-admin")
            #expect(first.int("clients") == 4)
            #expect(first.int("locations") == 3)
            let list = try #require(first["topLocations"]?.arrayValue)
            let top = list.compactMap(\.objectValue)
            #expect(top.first == ["location": "/chat", "clients": 2, "principals": 1, "anonymous": 1])
            #expect(top.count == 3)
            // The next figures come a second later, through the same long-poll.
            let later = try server.poll(client, after: 1)
            #expect(later.status == 200)
            #expect(try later.events().first?.string("verb") == "livepage-admin")
        }
    }
}
