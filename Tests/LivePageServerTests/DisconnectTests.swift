import LivePageEvents
import LivePageTestSupport
import Testing

/// `POST /livepage/disconnect`: a backend removes the clients of an audience.
@Suite struct DisconnectTests {
    typealias Clients = PublishAudienceTests.Clients

    /// Expects `ids` to be gone as closed, from their next poll.
    static func expectClosed(_ ids: [String], on server: LiveServer, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for id in ids {
            expectError(try server.poll(id), 410, reason: "closed", hiding: [id], sourceLocation: sourceLocation)
        }
    }

    /// Expects `ids` to be online still.
    static func expectOnline(_ ids: [String], on server: LiveServer, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for id in ids {
            #expect(try server.online(id).status == 200, sourceLocation: sourceLocation)
        }
    }

    /// `disconnected` for `audience`, expecting `200`.
    static func disconnect(_ audience: String, on server: LiveServer, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int? {
        let response = try server.disconnect(#"{"to": \#(audience)}"#)
        #expect(response.status == 200, "\(response)", sourceLocation: sourceLocation)
        expectAPIHeaders(response, sourceLocation: sourceLocation)
        return try response.json().int("disconnected")
    }

    @Test(.timeLimit(.minutes(2)))
    func aLocationExceptOneClient() async throws {
        try await withServer(publishing) { server in
            let clients = try Clients(server)
            #expect(try Self.disconnect(#"{"location": "/a", "except": "\#(clients.aliceA1)"}"#, on: server) == 2)
            try Self.expectClosed([clients.aliceA2, clients.bobA], on: server)
            try Self.expectOnline([clients.aliceA1, clients.aliceB, clients.anonymousB], on: server)
            #expect(try Self.disconnect(#"{"location": "/nobody"}"#, on: server) == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aPrincipalAtEveryLocation() async throws {
        try await withServer(publishing) { server in
            let clients = try Clients(server)
            #expect(try Self.disconnect(#"{"principal": "alice"}"#, on: server) == 3)
            try Self.expectClosed([clients.aliceA1, clients.aliceA2, clients.aliceB], on: server)
            try Self.expectOnline([clients.bobA, clients.anonymousB], on: server)
            #expect(try server.register(#"{"location": "/a", "principal": "alice"}"#).status == 201, "alice may come back")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func oneClientAndEveryone() async throws {
        try await withServer(publishing) { server in
            let clients = try Clients(server)
            #expect(try Self.disconnect(#"{"client": "\#(clients.bobA)"}"#, on: server) == 1)
            try Self.expectClosed([clients.bobA], on: server)
            #expect(try Self.disconnect(#"{"client": "\#(clients.bobA)"}"#, on: server) == 0)
            #expect(try Self.disconnect(#"{"all": true, "except": "\#(clients.anonymousB)"}"#, on: server) == 3)
            try Self.expectOnline([clients.anonymousB], on: server)
            #expect(try Self.disconnect(#"{"all": true}"#, on: server) == 1)
            try Self.expectClosed([clients.anonymousB], on: server)
            #expect(try server.metric("livepage_clients") == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aParkedPollIsAnsweredGoneClosedAndPresenceUpdated() async throws {
        try await withServer(publishing) { server in
            let watcher = try server.registerClient(at: "/room", principal: "bob", presence: "list")
            let banned = try server.registerClient(at: "/room", principal: "mallory")
            var seen = try server.events(watcher)
            while seen.last?.strings("joined") != ["mallory"] && seen.last?.strings("principals") != ["bob", "mallory"] {
                seen += try server.events(watcher, after: seqs(seen).last ?? 0)
            }
            let poller = try server.connect()
            try poller.send(TestHTTPRequest("GET", server.outputPath(banned)))
            #expect(try await server.waitForMetric("livepage_parked_requests", toBe: 1))

            #expect(try Self.disconnect(#"{"principal": "mallory"}"#, on: server) == 1)
            expectError(try poller.readResponse(), 410, reason: "closed", hiding: [banned])
            let left = try server.events(watcher, after: seqs(seen).last ?? 0)
            #expect(left.first?.strings("left") == ["mallory"], "\(left)")
            #expect(try server.online(watcher).json().strings("principals") == ["bob"])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func badBodiesAreRefused() async throws {
        try await withServer(publishing) { server in
            let id = try server.registerClient()
            for body in [#"{}"#, #"{"to": {}}"#, #"{"to": {"location": "/a", "all": true}}"#, #"{"to": {"who": "x"}}"#, "{", "[]"] {
                expectError(try server.disconnect(body), 400)
            }
            let plain = [("Authorization", "Bearer \(publishKey)"), ("Content-Type", "text/plain")]
            expectError(try server.request("POST", "/livepage/disconnect", headers: plain, body: #"{"to": {"all": true}}"#), 415)
            #expect(try server.online(id).status == 200)
        }
    }
}
