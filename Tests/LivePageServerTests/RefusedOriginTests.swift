import LivePage
import LivePageEvents
import LivePageTestSupport
import Testing

@testable import LivePageServer

/// A page of an origin the server does not allow: it used to stay "reconnecting" forever
/// (its preflight refused, every answer unreadable) while the server logged nothing. Now
/// its requests are refused with a `403` it can read (reason `origin`), nothing acts, and
/// the server names the origin and the flag once.
@Suite(.timeLimit(.minutes(2)))
struct RefusedOriginTests {
    static let foreign = "http://localhost:3000"

    @Test func aRefusedPageCanReadWhyOnEveryClientRouteAndNothingActs() async throws {
        // A one-second refresh, so that the poll at the end, with nothing to send, is soon idle.
        try await withEmbeddedServer({ $0.manager.refresh = .seconds(1) }) { embedded in
            let id = try embedded.server.manager.register(at: "/chat", principal: "alice").client.id.description
            let origin = [(name: "Origin", value: Self.foreign)]
            let answers = [
                try await embedded.postJSON("/livepage/clients", #"{"location": "/chat"}"#, headers: origin),
                try await embedded.request("POST", "/livepage/clients", headers: origin + [("Content-Type", "text/plain")], body: "{}"),
                try await embedded.postJSON("/livepage/clients/\(id)/input", #"{"verb": "append", "id": "log", "html": "x"}"#, headers: origin),
                try await embedded.request("POST", "/livepage/clients/\(id)/close", headers: origin),
                try await embedded.request("GET", "/livepage/clients/\(id)/output", headers: origin),
                try await embedded.request("GET", "/livepage/clients/\(id)/online", headers: origin),
            ]
            for answer in answers {
                expectError(answer, 403, mentioning: ["--allowed-origin"], reason: "origin", hiding: [id])
                #expect(answer.header("Access-Control-Allow-Origin") == Self.foreign, "\(answer)")
                #expect(answer.headers(named: "Vary").contains("Origin"), "\(answer)")
                #expect(answer.header("Access-Control-Allow-Credentials") == nil)
            }
            #expect(try await embedded.clientCount() == 1, "no client was registered, none closed")
            let events = try await embedded.request("GET", "/livepage/clients/\(id)/output")
            #expect(try events.events().isEmpty, "no input was delivered: \(events)")
        }
    }

    /// The preflight passes, so that the browser sends the request and its page reads the
    /// refusal; the request itself is what is refused.
    @Test func theRefusedPagesPreflightIsAnsweredSoItsRequestCanBeRefusedReadably() async throws {
        try await withEmbeddedServer { embedded in
            let preflight = try await embedded.request(
                "OPTIONS", "/livepage/clients",
                headers: [("Origin", Self.foreign), ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "content-type")]
            )
            #expect(preflight.status == 204, "\(preflight)")
            #expect(preflight.header("Access-Control-Allow-Origin") == Self.foreign)
            #expect(preflight.header("Access-Control-Allow-Headers")?.lowercased().contains("content-type") == true)
            #expect(try await embedded.clientCount() == 0)
            // What no browser sends is not named back.
            for origin in ["https://app.example x", "https://app.example/path", "", "*"] {
                let odd = try await embedded.request("OPTIONS", "/livepage/clients", headers: [("Origin", origin), ("Access-Control-Request-Method", "POST")])
                expectError(odd, 403)
                #expect(odd.header("Access-Control-Allow-Origin") == nil, "\(origin.debugDescription): \(odd)")
            }
        }
    }

    @Test func aRefusedOriginIsLoggedOnceNamingItAndTheFlag() async throws {
        try await withEmbeddedServer { embedded in
            for _ in 0..<5 {
                _ = try await embedded.postJSON("/livepage/clients", #"{"location": "/"}"#, headers: [("Origin", Self.foreign)])
                _ = try await embedded.request("OPTIONS", "/livepage/clients", headers: [("Origin", Self.foreign), ("Access-Control-Request-Method", "POST")])
            }
            _ = try await embedded.postJSON("/livepage/clients", #"{"location": "/"}"#, headers: [("Origin", "null")])
            let refusals = embedded.log.filter { $0.contains("refused") }
            #expect(refusals.count == 2, "\(embedded.log)")
            let first = try #require(refusals.first)
            #expect(first.contains(Self.foreign) && first.contains("--allowed-origin \(Self.foreign)"), "\(first)")
            #expect(refusals.last?.contains(#""null""#) == true, "\(refusals)")
        }
    }

    @Test func neitherTheServersOwnOriginNorAnAllowedOneIsLoggedOrRefused() async throws {
        try await withEmbeddedServer({ $0.allowedOrigins = ["https://app.example"] }) { embedded in
            let port = embedded.server.port
            for origin in ["https://app.example", "http://127.0.0.1:\(port)"] {
                let answer = try await embedded.postJSON("/livepage/clients", #"{"location": "/"}"#, headers: [("Origin", origin)])
                #expect(answer.status == 201, "\(origin): \(answer)")
            }
            #expect(!embedded.log.contains { $0.contains("refused") }, "\(embedded.log)")
        }
    }

    /// A client forging one Origin after another cannot flood the log: past the limit, one
    /// line per interval.
    @Test func forgedOriginsCannotFloodTheLog() {
        var log = RefusedOriginLog(limit: 2, interval: .seconds(60))
        #expect(log.line(refusing: "https://a.example", at: .seconds(0)) != nil)
        #expect(log.line(refusing: "https://a.example", at: .seconds(1)) == nil, "each origin once")
        #expect(log.line(refusing: "https://b.example", at: .seconds(2)) != nil)
        let beyond = log.line(refusing: "https://c.example", at: .seconds(3))
        #expect(beyond?.contains("https://c.example") == true && beyond?.contains("over 2 origins") == true, "\(beyond ?? "nil")")
        #expect(log.line(refusing: "https://d.example", at: .seconds(4)) == nil)
        #expect(log.line(refusing: "https://e.example", at: .seconds(62)) == nil)
        #expect(log.line(refusing: "https://f.example", at: .seconds(63)) != nil, "a minute after the last one")
        #expect(log.line(refusing: "https://a.example", at: .seconds(200)) == nil, "a named origin stays named")
    }

    @Test func theLogLineHoldsNoControlCharacterAndNoEndlessOrigin() {
        var log = RefusedOriginLog()
        let line = log.line(refusing: "https://evil.example\u{1B}[31m\u{2028}", at: .zero) ?? ""
        #expect(line.contains("https://evil.example?[31m???"), "\(line)")
        let long = log.line(refusing: "https://" + String(repeating: "x", count: 10_000) + ".example", at: .zero) ?? ""
        #expect(long.utf8.count < 600, "\(long.utf8.count) bytes")
        #expect(long.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
    }
}
