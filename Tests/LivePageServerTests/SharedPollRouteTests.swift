import LivePageEvents
import LivePageServer
import LivePageTestSupport
import Testing

/// `POST /livepage/poll`: one long-poll for several clients, with their ids and `after`s
/// in the body, answered with one result per client in the order asked.
@Suite(.timeLimit(.minutes(2)))
struct SharedPollRouteTests {
    static let key = "shared-poll-tests-publish-key"

    static func configure(_ configuration: inout LivePageServer.Configuration) {
        configuration.publishKeys = [key]
    }

    static func register(_ server: EmbeddedServer) async throws -> String {
        let response = try await server.postJSON("/livepage/clients", #"{"location": "/tabs"}"#)
        return try #require(try response.json().string("client"))
    }

    static func publish(_ server: EmbeddedServer, _ events: String, to audience: String) async throws {
        let response = try await server.postJSON(
            "/livepage/publish", #"{"to": \#(audience), "events": \#(events)}"#, headers: [("Authorization", "Bearer \(key)")])
        #expect(response.status == 200, "\(response)")
    }

    static func poll(_ server: EmbeddedServer, _ clients: [(String, Int)]) async throws -> TestHTTPResponse {
        let entries = clients.map { #"{"client": "\#($0.0)", "after": \#($0.1)}"# }.joined(separator: ",")
        return try await server.postJSON("/livepage/poll", #"{"clients": [\#(entries)]}"#)
    }

    /// The results of an answer: per client, its event seqs or its status and reason.
    static func results(_ response: TestHTTPResponse) throws -> [String] {
        let results = try #require(try response.json()["results"]?.arrayValue, "no results: \(response)")
        return try results.map { value in
            let result = try #require(value.objectValue)
            if let events = result["events"]?.arrayValue {
                return "events " + events.compactMap { $0.objectValue?.int("seq").map(String.init) }.joined(separator: ",")
            }
            return "\(result.int("status") ?? 0) \(result.string("reason") ?? "")"
        }
    }

    @Test func eachClientGetsItsResultInTheOrderAsked() async throws {
        try await withEmbeddedServer(Self.configure) { server in
            let (a, b, c) = (try await Self.register(server), try await Self.register(server), try await Self.register(server))
            try await Self.publish(server, #"[{"verb": "remove", "id": "x"}]"#, to: #"{"client": "\#(b)"}"#)
            _ = try await server.postJSON("/livepage/clients/\(c)/close", "")
            // Another well-formed id that no one registered: b with its last hex digit changed.
            let neighbour = String(b.dropLast()) + (b.hasSuffix("0") ? "1" : "0")
            let response = try await Self.poll(server, [(a, 0), (b, 0), (c, 0), ("not-an-id", 0), (neighbour, 0)])
            #expect(response.status == 200)
            #expect(response.header("Cache-Control") == "no-store")
            #expect(try Self.results(response) == ["events ", "events 1", "410 closed", "410 unknown", "410 unknown"])
            for id in [a, b, c] { #expect(!response.text.contains(id), "an answer never repeats a client id") }
            let beyond = try await Self.poll(server, [(a, 0), (b, 2)])
            #expect(try Self.results(beyond) == ["events ", "400 "])
        }
    }

    @Test func aParkedPollIsAnsweredWhenAnyClientGetsEvents() async throws {
        try await withEmbeddedServer(Self.configure) { server in
            let (a, b) = (try await Self.register(server), try await Self.register(server))
            let parked = Task { try await Self.poll(server, [(a, 0), (b, 0)]) }
            #expect(
                try await eventually {
                    LiveServer.sample("livepage_parked_requests", in: try await server.request("GET", "/livepage/metrics").text) == 1
                })
            try await Self.publish(server, #"[{"verb": "remove", "id": "x"}]"#, to: #"{"location": "/tabs"}"#)
            #expect(try Self.results(try await parked.value) == ["events 1", "events 1"])
        }
    }

    @Test func aBodyThatIsNotAListOfClientsIsRefused() async throws {
        try await withEmbeddedServer(Self.configure) { server in
            let a = try await Self.register(server)
            let refused = [
                "{}", #"{"clients": []}"#, #"{"clients": {}}"#, #"{"clients": ["\#(a)"]}"#, #"{"clients": [{"after": 0}]}"#,
                #"{"clients": [{"client": "\#(a)", "after": "0"}]}"#, #"{"clients": [{"client": "\#(a)", "after": -1}]}"#,
                #"{"clients": [{"client": "\#(a)", "after": 1.5}]}"#, #"{"clients": [{"client": "\#(a)", "after": 9007199254740992}]}"#,
                #"{"clients": [{"client": "\#(a)"}, {"client": "\#(a)"}]}"#, "[]", "not json",
            ]
            for body in refused {
                let response = try await server.postJSON("/livepage/poll", body)
                expectError(response, 400, hiding: [a])
            }
            let many = (0...32).map { _ in #"{"client": "\#(ClientIDText.random())"}"# }.joined(separator: ",")
            expectError(try await server.postJSON("/livepage/poll", #"{"clients": [\#(many)]}"#), 400, mentioning: ["32"])
            let form = try await server.request(
                "POST", "/livepage/poll", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "client=\(a)")
            expectError(form, 415, hiding: [a])
            let get = try await server.request("GET", "/livepage/poll")
            #expect(get.status == 405 && get.header("Allow") == "POST, OPTIONS")
        }
    }

    @Test func aPageOfAForeignOriginIsRefused() async throws {
        try await withEmbeddedServer(Self.configure) { server in
            let a = try await Self.register(server)
            let response = try await server.postJSON(
                "/livepage/poll", #"{"clients": [{"client": "\#(a)"}]}"#, headers: [("Origin", "http://evil.example")])
            expectError(response, 403, reason: "origin", hiding: [a])
        }
    }
}

/// Lowercase UUID text, for ids that were never issued.
enum ClientIDText {
    static func random() -> String {
        let hex = (0..<32).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
