import LivePageEvents
import LivePageTestSupport
import Testing

/// Response splitting: a CR or LF that a client manages to put into something the server
/// echoes must never start a header of its own. Raw CR and LF in a request head are
/// refused by the parser; principals and locations holding them are refused at
/// registration; percent-encoded ones stay in the JSON body; and the only request value
/// any response header repeats is an allowed Origin, matched exactly.
@Suite(.timeLimit(.minutes(3)))
struct HeaderInjectionAttackTests {
    static let injected = ["Set-Cookie", "X-Injected", "Location", "Refresh"]

    /// Expects `response` to carry none of the headers an injection would add.
    static func expectNoInjectedHeader(_ response: TestHTTPResponse, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for name in injected {
            #expect(response.header(name) == nil, "\(what): \(response)", sourceLocation: sourceLocation)
        }
        #expect(!response.text.hasPrefix("HTTP/"), "\(what): a second response in the body", sourceLocation: sourceLocation)
    }

    static let payloads = ["\r\nSet-Cookie: session=stolen", "\nX-Injected: 1", "\rLocation: https://evil.example", "\r\n\r\nHTTP/1.1 200 OK"]

    @Test func principalsAndLocationsWithLineBreaksAreRefused() async throws {
        try await withServer(publishing) { server in
            for payload in Self.payloads + ["\u{0}", "\u{7F}", "\t"] {
                let principal = try server.register(fields: ["location": "/chat", "principal": .string("alice" + payload)])
                expectError(principal, 400, mentioning: ["principal", "control characters"])
                Self.expectNoInjectedHeader(principal, "principal \(payload.debugDescription)")
                let location = try server.register(fields: ["location": .string("/chat" + payload)])
                expectError(location, 400, mentioning: ["location", "control characters"])
                Self.expectNoInjectedHeader(location, "location \(payload.debugDescription)")
            }
            #expect(try server.metric("livepage_clients") == 0)
        }
    }

    @Test func encodedLineBreaksStayInTheBody() async throws {
        try await withServer(["--publish-key", publishKey, "--allowed-origin", "https://app.example"]) { server in
            let id = try server.registerClient(at: "/chat")
            let bearer = [(name: "Authorization", value: "Bearer \(publishKey)")]
            for payload in Self.payloads {
                let encoded = formEncoded(payload)
                let answers: [(String, TestHTTPResponse)] = [
                    ("a path", try server.request("GET", "/livepage/health\(encoded)")),
                    ("a client id", try server.request("GET", "/livepage/clients/\(encoded)/output")),
                    ("after", try server.request("GET", server.outputPath(id, after: "1\(encoded)"))),
                    ("a presence query", try server.request("GET", "/livepage/presence?location=\(encoded)", headers: bearer)),
                    ("a demo name", try server.request("GET", "/?name=alice\(encoded)")),
                    ("an input field", try server.input(id, form: "verb=append&id=log&html=\(encoded)")),
                    ("an unknown verb", try server.input(id, form: "verb=\(encoded)&id=log&html=x")),
                    ("a field name", try server.input(id, form: "verb=append&id=log&html=x&\(encoded)=1")),
                    (
                        "a publish id",
                        try server.publish(
                            attackJSON([
                                "to": ["client": .string(id)], "id": .string(payload), "events": [["verb": "remove", "id": "x"]],
                            ]))
                    ),
                ]
                for (what, response) in answers {
                    Self.expectNoInjectedHeader(response, "\(what) with \(payload.debugDescription)")
                }
                let presence = try #require(answers.first { $0.0 == "a presence query" }?.1)
                #expect(try presence.json().string("location") == payload, "the location is data in the JSON body")
            }
            try server.expectHealthy(after: "encoded line breaks")
        }
    }

    @Test func rawLineBreaksInARequestHeadAreRefusedBeforeAnythingIsEchoed() async throws {
        try await withServer(["--allowed-origin", "https://app.example"]) { server in
            let id = try server.registerClient(at: "/chat")
            let heads = [
                "POST /livepage/clients/\(id)/input HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\rSet-Cookie: a=b\r\nContent-Length: 0\r\n\r\n",
                "GET /livepage/health HTTP/1.1\r\nHost: x\r\nX-A: a\nSet-Cookie: a=b\r\n\r\n",
                "GET /livepage/health\rSet-Cookie: a=b HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /livepage/health HTTP/1.1\r\nHost: x\rSet-Cookie: a=b\r\n\r\n",
                "GET /livepage/health HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\u{0}Set-Cookie: a=b\r\n\r\n",
            ]
            for head in heads {
                let (connection, response) = try server.sendRaw(Array(head.utf8))
                expectError(response, 400)
                Self.expectNoInjectedHeader(response, head.debugDescription)
                #expect(response.header("Access-Control-Allow-Origin") == nil)
                try expectClosedWithNothingMore(connection, head.debugDescription)
            }
            try server.expectHealthy(after: "raw line breaks")
        }
    }

    /// The one echo: an allowed Origin, repeated only when it equals one configured
    /// exactly, so no other text reaches `Access-Control-Allow-Origin`.
    @Test func onlyAnExactlyAllowedOriginIsEchoed() async throws {
        try await withServer(["--allowed-origin", "https://app.example"]) { server in
            let id = try server.registerClient(at: "/chat")
            for origin in ["https://app.example", "https://app.example x", "https://app.example\u{B}", "https://app.example,https://evil.example"] {
                let response = try server.input(id, form: "verb=append&id=log&html=x", headers: [("Origin", origin)])
                let echoed = response.headers(named: "Access-Control-Allow-Origin")
                #expect(echoed == (origin == "https://app.example" ? [origin] : []), "\(origin.debugDescription): \(response)")
            }
        }
    }
}
