import LivePageEvents
import LivePageTestSupport
import Testing

/// `POST /clients/{id}/close`, `GET /clients/{id}/online` and `GET /presence`.
@Suite struct CloseAndOnlineTests {
    @Test(.timeLimit(.minutes(2)))
    func closeRemovesTheClientAtOnce() async throws {
        try await withServer { server in
            let id = try server.registerClient(at: "/chat", principal: "alice")
            let response = try server.close(id)
            #expect(response.status == 204, "\(response)")
            #expect(response.body.isEmpty)
            #expect(response.header("Cache-Control") == "no-store")
            #expect(response.header("X-Content-Type-Options") == "nosniff")
            #expect(try server.metric("livepage_clients") == 0)
            expectError(try server.poll(id), 410, reason: "closed", hiding: [id])
            #expect(try server.close(id).status == 204, "closing twice is fine")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func closingAnUnknownIdSaysNothingAboutIt() async throws {
        try await withServer { server in
            _ = try server.registerClient()
            for id in [unknownClientID, "not-a-client", "%00"] {
                let response = try server.close(id)
                #expect(response.status == 204, "\(id): \(response)")
                #expect(response.body.isEmpty)
            }
            let withBody = try server.request(
                "POST", "/livepage/clients/\(unknownClientID)/close", headers: [("Content-Type", "text/plain")], body: "bye"
            )
            #expect(withBody.status == 204, "sendBeacon may send a body: \(withBody)")
            #expect(try server.metric("livepage_clients") == 1)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func closeAnswersTheParkedPollGoneClosed() async throws {
        try await withServer { server in
            let id = try server.registerClient()
            let poller = try server.connect()
            try poller.send(TestHTTPRequest("GET", server.outputPath(id)))
            #expect(try await server.waitForMetric("livepage_parked_requests", toBe: 1))
            #expect(try server.close(id).status == 204)
            let answer = try poller.readResponse()
            expectError(answer, 410, reason: "closed", hiding: [id])
            expectAPIHeaders(answer)
            #expect(try server.metric("livepage_parked_requests") == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func closeUpdatesPresenceWithoutWaitingForExpiry() async throws {
        try await withServer { server in
            let watcher = try server.registerClient(at: "/room", principal: "bob", presence: "list")
            let alice = try server.registerClient(at: "/room", principal: "alice")
            let aliceAgain = try server.registerClient(at: "/room", principal: "alice")
            var seen = try server.events(watcher)
            while seen.last?.strings("joined") != ["alice"] && seen.last?.strings("principals") != ["alice", "bob"] {
                seen += try server.events(watcher, after: seqs(seen).last ?? 0)
            }
            #expect(try server.online(watcher).json().strings("principals") == ["alice", "bob"])

            #expect(try server.close(alice).status == 204)
            #expect(try server.online(watcher).json().strings("principals") == ["alice", "bob"], "alice still has a tab")
            #expect(try server.close(aliceAgain).status == 204)
            #expect(try server.online(watcher).json() == ["location": "/room", "principals": ["bob"], "count": 1, "anonymous": 0])
            let left = try server.events(watcher, after: seqs(seen).last ?? 0)
            #expect(left.count == 1, "\(left)")
            #expect(left.first?.strings("left") == ["alice"], "\(left)")
            #expect(left.first?.strings("joined") == [], "\(left)")
            #expect(left.first?.int("count") == 1)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func onlineListsEachPrincipalOnceSortedWithTheAnonymousCount() async throws {
        try await withServer { server in
            let zed = try server.registerClient(at: "/room", principal: "zed")
            _ = try server.registerClient(at: "/room", principal: "alice")
            _ = try server.registerClient(at: "/room", principal: "bob")
            _ = try server.registerClient(at: "/room", principal: "alice")
            let anonymous = try server.registerClient(at: "/room")
            _ = try server.registerClient(at: "/room")
            _ = try server.registerClient(at: "/other", principal: "carol")
            let expected: JSONObject = ["location": "/room", "principals": ["alice", "bob", "zed"], "count": 3, "anonymous": 2]
            for id in [zed, anonymous] {
                let response = try server.online(id)
                #expect(response.status == 200, "\(response)")
                expectAPIHeaders(response)
                #expect(try response.json() == expected)
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func onlineForAClientThatDoesNotWorkIsGone() async throws {
        try await withServer { server in
            let closed = try server.registerClient()
            _ = try server.close(closed)
            expectError(try server.online(unknownClientID), 410, reason: "unknown", hiding: [unknownClientID])
            expectError(try server.online("nope"), 410, reason: "unknown")
            expectError(try server.online(closed), 410, reason: "closed", hiding: [closed])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func backendsAskWhoIsOnlineWithThePublishKey() async throws {
        try await withServer(publishing) { server in
            _ = try server.registerClient(at: "/chat room", principal: "bob")
            _ = try server.registerClient(at: "/chat room", principal: "alice")
            _ = try server.registerClient(at: "/chat room")
            let authorized = [("Authorization", "Bearer \(publishKey)")]
            let response = try server.request("GET", "/livepage/presence?location=%2Fchat%20room", headers: authorized)
            #expect(response.status == 200, "\(response)")
            expectAPIHeaders(response)
            #expect(try response.json() == ["location": "/chat room", "principals": ["alice", "bob"], "count": 2, "anonymous": 1])
            let empty = try server.request("GET", "/livepage/presence?location=/nobody", headers: authorized)
            #expect(try empty.json() == ["location": "/nobody", "principals": [], "count": 0, "anonymous": 0])

            expectError(try server.request("GET", "/livepage/presence?location=/chat"), 401)
            expectError(try server.request("GET", "/livepage/presence?location=/chat", headers: [("Authorization", "Bearer wrong-key-0123456789")]), 401)
            expectError(try server.request("GET", "/livepage/presence", headers: authorized), 400, mentioning: ["location"])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func presenceIsNotFoundWithoutAPublishKey() async throws {
        try await withServer { server in
            expectError(try server.request("GET", "/livepage/presence?location=/chat"), 404)
        }
    }
}
