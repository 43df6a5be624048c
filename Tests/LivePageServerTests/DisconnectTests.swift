import LivePageEvents
import LivePageTestSupport
import LivePageTesting
import Testing

/// `POST /livepage/disconnect`: a backend removes the clients of an audience.
@Suite struct DisconnectTests {
    typealias Clients = PublishAudienceTests.Clients

    /// Expects `ids` to be gone as closed, from their next poll.
    static func expectClosed(_ ids: [String], on server: InProcessServer, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for id in ids {
            expectError(try server.poll(id), 410, reason: "closed", hiding: [id], sourceLocation: sourceLocation)
        }
    }

    /// Expects `ids` to be online still.
    static func expectOnline(_ ids: [String], on server: InProcessServer, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for id in ids {
            #expect(try await server.online(id).status == 200, sourceLocation: sourceLocation)
        }
    }

    /// `disconnected` for `audience`, expecting `200`.
    static func disconnect(_ audience: String, on server: InProcessServer, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int? {
        let response = try await server.disconnect(#"{"to": \#(audience)}"#)
        #expect(response.status == 200, "\(response)", sourceLocation: sourceLocation)
        expectAPIHeaders(response, sourceLocation: sourceLocation)
        return try response.json().int("disconnected")
    }

    @Test(.timeLimit(.minutes(2)))
    func aLocationExceptOneClient() async throws {
        try await withInProcessServer(publishing) { server in
            let clients = try await Clients(server)
            #expect(try await Self.disconnect(#"{"location": "/a", "except": "\#(clients.aliceA1)"}"#, on: server) == 2)
            try await Self.expectClosed([clients.aliceA2, clients.bobA], on: server)
            try await Self.expectOnline([clients.aliceA1, clients.aliceB, clients.anonymousB], on: server)
            #expect(try await Self.disconnect(#"{"location": "/nobody"}"#, on: server) == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aPrincipalAtEveryLocation() async throws {
        try await withInProcessServer(publishing) { server in
            let clients = try await Clients(server)
            #expect(try await Self.disconnect(#"{"principal": "alice"}"#, on: server) == 3)
            try await Self.expectClosed([clients.aliceA1, clients.aliceA2, clients.aliceB], on: server)
            try await Self.expectOnline([clients.bobA, clients.anonymousB], on: server)
            #expect(try await server.register(#"{"location": "/a", "principal": "alice"}"#).status == 201, "alice may come back")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func oneClientAndEveryone() async throws {
        try await withInProcessServer(publishing) { server in
            let clients = try await Clients(server)
            #expect(try await Self.disconnect(#"{"client": "\#(clients.bobA)"}"#, on: server) == 1)
            try await Self.expectClosed([clients.bobA], on: server)
            #expect(try await Self.disconnect(#"{"client": "\#(clients.bobA)"}"#, on: server) == 0)
            #expect(try await Self.disconnect(#"{"all": true, "except": "\#(clients.anonymousB)"}"#, on: server) == 3)
            try await Self.expectOnline([clients.anonymousB], on: server)
            #expect(try await Self.disconnect(#"{"all": true}"#, on: server) == 1)
            try await Self.expectClosed([clients.anonymousB], on: server)
            #expect(try await server.metric("livepage_clients") == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aParkedPollIsAnsweredGoneClosedAndPresenceUpdated() async throws {
        try await withInProcessServer(publishing) { server in
            let watcher = try await server.registerClient(at: "/room", principal: "bob", presence: "list")
            let banned = try await server.registerClient(at: "/room", principal: "mallory")
            var seen = try server.events(watcher)
            while seen.last?.strings("joined") != ["mallory"] && seen.last?.strings("principals") != ["bob", "mallory"] {
                seen += try server.events(watcher, after: seqs(seen).last ?? 0)
            }
            let poller = try server.connect()
            try poller.send(TestHTTPRequest("GET", server.outputPath(banned)))
            #expect(try await server.metric("livepage_parked_requests") == 1)

            #expect(try await Self.disconnect(#"{"principal": "mallory"}"#, on: server) == 1)
            expectError(try await poller.readResponse(), 410, reason: "closed", hiding: [banned])
            let left = try server.events(watcher, after: seqs(seen).last ?? 0)
            #expect(left.first?.strings("left") == ["mallory"], "\(left)")
            #expect(try await server.online(watcher).json().strings("principals") == ["bob"])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func badBodiesAreRefused() async throws {
        try await withInProcessServer(publishing) { server in
            let id = try await server.registerClient()
            for body in [#"{}"#, #"{"to": {}}"#, #"{"to": {"location": "/a", "all": true}}"#, #"{"to": {"who": "x"}}"#, "{", "[]"] {
                expectError(try await server.disconnect(body), 400)
            }
            let plain = [("Authorization", "Bearer \(publishKey)"), ("Content-Type", "text/plain")]
            expectError(try await server.request("POST", "/livepage/disconnect", headers: plain, body: #"{"to": {"all": true}}"#), 415)
            #expect(try await server.online(id).status == 200)
        }
    }
}
