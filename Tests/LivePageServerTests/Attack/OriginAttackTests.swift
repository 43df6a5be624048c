import LivePageTestSupport
import Testing

/// A foreign page posting to input and close, beyond OriginTests: origins that only look
/// like the server's, browser fetch metadata other than `same-origin`, probing for which
/// ids exist, and registering from a foreign page, with or without a preflight.
@Suite(.timeLimit(.minutes(3)))
struct OriginAttackTests {
    static let allowed = "https://app.example"

    /// Origins a foreign page might have that resemble the server's own or the allowed one.
    static func lookalikes(of own: String) -> [String] {
        let port = own.split(separator: ":").last.map(String.init) ?? ""
        return [
            own.replacing("http://", with: "https://"), own.uppercased(), own.replacing("127.0.0.1", with: "127.0.0.1."),
            own + ".evil.example", "http://evil.example.127.0.0.1:\(port)", "http://127.0.0.1:\(Int(port)! + 1)",
            "http://127.0.0.1", own + "/", own + "/path", "http://user@127.0.0.1:\(port)", "\u{2003}" + own,
            "https://app.example.evil", "https://app.example:443", "https://APP.example", "http://app.example", "https://evil-app.example",
            "null", "", "*", own + ", " + own,
        ]
    }

    @Test func originsThatOnlyLookLikeTheServersAreRefused() async throws {
        try await withServer(["--allowed-origin", Self.allowed]) { server in
            let sender = try server.registerClient(at: "/chat", principal: "alice")
            let reader = try server.registerClient(at: "/chat", principal: "bob")
            for origin in Self.lookalikes(of: server.origin) {
                let input = try server.input(sender, form: "verb=append&id=log&html=forged", headers: [("Origin", origin)])
                expectError(input, 403, reason: "origin", hiding: [sender])
                // The refusal alone is readable, and only by the origin as sent.
                let echoed = input.headers(named: "Access-Control-Allow-Origin")
                #expect(echoed.isEmpty || echoed == [origin], "\(origin.debugDescription): \(input)")
                let close = try server.close(reader, headers: [("Origin", origin)])
                expectError(close, 403, hiding: [reader])
            }
            #expect(try server.online(reader).status == 200, "no foreign close closed the reader")
            #expect(try server.input(sender, form: "verb=append&id=log&html=real", headers: [("Origin", server.origin)]).status == 200)
            #expect(try server.events(reader).map { $0.string("html") } == ["real"], "no forged input was delivered")
            try server.expectHealthy(after: "lookalike origins")
        }
    }

    @Test func fetchMetadataOtherThanSameOriginLeavesTheDecisionToOrigin() async throws {
        try await withServer { server in
            let sender = try server.registerClient(at: "/chat")
            for site in ["same-site", "cross-site", "none", "Same-Origin", "SAME-ORIGIN", "same-origin, same-origin", ""] {
                let foreign = try server.input(sender, form: "verb=append&id=log&html=x", headers: [("Sec-Fetch-Site", site), ("Origin", "https://evil.example")])
                expectError(foreign, 403, hiding: [sender])
                let own = try server.input(sender, form: "verb=append&id=log&html=x", headers: [("Sec-Fetch-Site", site), ("Origin", server.origin)])
                #expect(own.status == 200, "Sec-Fetch-Site \(site.debugDescription) with the server's own Origin: \(own)")
            }
        }
    }

    /// A foreign page cannot tell which ids exist: it gets the same `403` for a live id, an
    /// unknown one and a malformed one, before the id is looked at.
    @Test func aForeignPageCannotProbeForIds() async throws {
        try await withServer { server in
            let live = try server.registerClient()
            let closed = try server.registerClient()
            #expect(try server.close(closed).status == 204)
            let foreign = [(name: "Origin", value: "https://evil.example")]
            var inputs: Set<String> = []
            var closes: Set<String> = []
            for id in [live, closed, unknownClientID, "not-an-id", "..%2f..%2fhealth"] {
                let input = try server.input(id, form: "verb=append&id=log&html=x", headers: foreign)
                expectError(input, 403, hiding: [live, closed])
                inputs.insert("\(input.status) \(input.text)")
                let close = try server.close(id, headers: foreign)
                closes.insert("\(close.status) \(close.text)")
            }
            #expect(inputs.count == 1, "\(inputs)")
            #expect(closes.count == 1, "\(closes)")
            #expect(try server.online(live).status == 200)
        }
    }

    /// The DNS-rebinding shape: a page whose own name resolves to the server sends a Host
    /// and an Origin that agree. With a public origin configured, the server's origin is
    /// that one, not the Host, and the request is refused.
    @Test func aConfiguredPublicOriginIsNotReplacedByAHostThatAgreesWithTheOrigin() async throws {
        try await withServer(["--public-origin", "https://pages.example"]) { server in
            let id = try server.registerClient()
            let rebound = [(name: "Host", value: "rebind.evil.example"), (name: "Origin", value: "http://rebind.evil.example")]
            expectError(try server.input(id, form: "verb=append&id=log&html=x", headers: rebound), 403, hiding: [id])
            expectError(try server.close(id, headers: rebound), 403, hiding: [id])
            #expect(try server.online(id).status == 200)
        }
    }

    /// A foreign page can send a POST without a preflight as a form or plain text, and
    /// with one as JSON (its preflight is answered, so that it can read the refusal):
    /// registration refuses every one by its Origin, whatever the body.
    @Test func aForeignPageCannotRegisterWithOrWithoutAPreflight() async throws {
        try await withServer(["--allowed-origin", Self.allowed]) { server in
            let foreign = [(name: "Origin", value: "https://evil.example")]
            let contentTypes = [
                "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", "text/plain; a=application/json",
                "application/json",
            ]
            for contentType in contentTypes {
                let response = try server.request(
                    "POST", "/livepage/clients", headers: foreign + [("Content-Type", contentType)], body: #"{"location": "/chat"}"#)
                expectError(response, 403, reason: "origin")
            }
            let preflight = try server.request(
                "OPTIONS", "/livepage/clients", headers: foreign + [("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "content-type")])
            #expect(preflight.status == 204, "\(preflight)")
            #expect(try server.metric("livepage_clients") == 0)
        }
    }

    /// Answers to an allowed origin name it but never allow credentials: ids travel in
    /// URLs, not cookies, so a page of that origin needs none.
    @Test func allowedOriginsNeverGetCredentials() async throws {
        try await withServer(["--allowed-origin", Self.allowed]) { server in
            let id = try server.registerClient()
            let origin = [(name: "Origin", value: Self.allowed)]
            var answers = [
                try server.postJSON("/livepage/clients", #"{"location": "/a"}"#, headers: origin),
                try server.input(id, form: "verb=append&id=log&html=x", headers: origin),
                try server.request("GET", server.outputPath(id), headers: origin),
                try server.request("GET", "/livepage/clients/\(id)/online", headers: origin),
                try server.request("OPTIONS", "/livepage/clients/\(id)/input", headers: origin + [("Access-Control-Request-Method", "POST")]),
            ]
            answers.append(try server.close(id, headers: origin))
            for answer in answers {
                #expect(answer.header("Access-Control-Allow-Credentials") == nil, "\(answer)")
                #expect(answer.header("Access-Control-Allow-Origin") != "*", "\(answer)")
            }
        }
    }
}
