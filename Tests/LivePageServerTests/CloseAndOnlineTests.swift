import LivePageEvents
import LivePageTestSupport
import LivePageTesting
import Testing

/// `POST /clients/{id}/close`, `GET /clients/{id}/online` and `GET /presence`.
@Suite struct CloseAndOnlineTests {
    @Test(.timeLimit(.minutes(2)))
    func closeRemovesTheClientAtOnce() async throws {
        try await withInProcessServer { server in
            let id = try await server.registerClient(at: "/chat", principal: "alice")
            let response = try await server.close(id)
            #expect(response.status == 204, "\(response)")
            #expect(response.body.isEmpty)
            #expect(response.header("Cache-Control") == "no-store")
            #expect(response.header("X-Content-Type-Options") == "nosniff")
            #expect(try await server.metric("livepage_clients") == 0)
            expectError(try server.poll(id), 410, reason: "closed", hiding: [id])
            #expect(try await server.close(id).status == 204, "closing twice is fine")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func closingAnUnknownIdSaysNothingAboutIt() async throws {
        try await withInProcessServer { server in
            _ = try await server.registerClient()
            for id in [unknownClientID, "not-a-client", "%00"] {
                let response = try await server.close(id)
                #expect(response.status == 204, "\(id): \(response)")
                #expect(response.body.isEmpty)
            }
            let withBody = try await server.request(
                "POST", "/livepage/clients/\(unknownClientID)/close", headers: [("Content-Type", "text/plain")], body: "bye"
            )
            #expect(withBody.status == 204, "sendBeacon may send a body: \(withBody)")
            #expect(try await server.metric("livepage_clients") == 1)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func closeAnswersTheParkedPollGoneClosed() async throws {
        try await withInProcessServer { server in
            let id = try await server.registerClient()
            let poller = try server.connect()
            try poller.send(TestHTTPRequest("GET", server.outputPath(id)))
            #expect(try await server.metric("livepage_parked_requests") == 1)
            #expect(try await server.close(id).status == 204)
            let answer = try await poller.readResponse()
            expectError(answer, 410, reason: "closed", hiding: [id])
            expectAPIHeaders(answer)
            #expect(try await server.metric("livepage_parked_requests") == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func closeUpdatesPresenceWithoutWaitingForExpiry() async throws {
        try await withInProcessServer { server in
            let watcher = try await server.registerClient(at: "/room", principal: "bob", presence: "list")
            let alice = try await server.registerClient(at: "/room", principal: "alice")
            let aliceAgain = try await server.registerClient(at: "/room", principal: "alice")
            var seen = try server.events(watcher)
            while seen.last?.strings("joined") != ["alice"] && seen.last?.strings("principals") != ["alice", "bob"] {
                seen += try server.events(watcher, after: seqs(seen).last ?? 0)
            }
            #expect(try await server.online(watcher).json().strings("principals") == ["alice", "bob"])

            #expect(try await server.close(alice).status == 204)
            #expect(try await server.online(watcher).json().strings("principals") == ["alice", "bob"], "alice still has a tab")
            #expect(try await server.close(aliceAgain).status == 204)
            #expect(try await server.online(watcher).json() == ["location": "/room", "principals": ["bob"], "count": 1, "anonymous": 0])
            let left = try server.events(watcher, after: seqs(seen).last ?? 0)
            #expect(left.count == 1, "\(left)")
            #expect(left.first?.strings("left") == ["alice"], "\(left)")
            #expect(left.first?.strings("joined") == [], "\(left)")
            #expect(left.first?.int("count") == 1)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func onlineListsEachPrincipalOnceSortedWithTheAnonymousCount() async throws {
        try await withInProcessServer { server in
            let zed = try await server.registerClient(at: "/room", principal: "zed")
            _ = try await server.registerClient(at: "/room", principal: "alice")
            _ = try await server.registerClient(at: "/room", principal: "bob")
            _ = try await server.registerClient(at: "/room", principal: "alice")
            let anonymous = try await server.registerClient(at: "/room")
            _ = try await server.registerClient(at: "/room")
            _ = try await server.registerClient(at: "/other", principal: "carol")
            let expected: JSONObject = ["location": "/room", "principals": ["alice", "bob", "zed"], "count": 3, "anonymous": 2]
            for id in [zed, anonymous] {
                let response = try await server.online(id)
                #expect(response.status == 200, "\(response)")
                expectAPIHeaders(response)
                #expect(try response.json() == expected)
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func onlineForAClientThatDoesNotWorkIsGone() async throws {
        try await withInProcessServer { server in
            let closed = try await server.registerClient()
            _ = try await server.close(closed)
            expectError(try await server.online(unknownClientID), 410, reason: "unknown", hiding: [unknownClientID])
            expectError(try await server.online("nope"), 410, reason: "unknown")
            expectError(try await server.online(closed), 410, reason: "closed", hiding: [closed])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func backendsAskWhoIsOnlineWithThePublishKey() async throws {
        try await withInProcessServer(publishing) { server in
            _ = try await server.registerClient(at: "/chat room", principal: "bob")
            _ = try await server.registerClient(at: "/chat room", principal: "alice")
            _ = try await server.registerClient(at: "/chat room")
            let authorized = [("Authorization", "Bearer \(publishKey)")]
            let response = try await server.request("GET", "/livepage/presence?location=%2Fchat%20room", headers: authorized)
            #expect(response.status == 200, "\(response)")
            expectAPIHeaders(response)
            #expect(try response.json() == ["location": "/chat room", "principals": ["alice", "bob"], "count": 2, "anonymous": 1])
            let empty = try await server.request("GET", "/livepage/presence?location=/nobody", headers: authorized)
            #expect(try empty.json() == ["location": "/nobody", "principals": [], "count": 0, "anonymous": 0])

            expectError(try await server.request("GET", "/livepage/presence?location=/chat"), 401)
            expectError(try await server.request("GET", "/livepage/presence?location=/chat", headers: [("Authorization", "Bearer wrong-key-0123456789")]), 401)
            expectError(try await server.request("GET", "/livepage/presence", headers: authorized), 400, mentioning: ["location"])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func presenceIsNotFoundWithoutAPublishKey() async throws {
        try await withInProcessServer { server in
            expectError(try await server.request("GET", "/livepage/presence?location=/chat"), 404)
        }
    }
}
