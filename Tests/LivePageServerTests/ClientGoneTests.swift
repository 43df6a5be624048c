import LivePageEvents
import LivePageTestSupport
import LivePageTesting
import Testing

/// `410` and its `reason` for clients that do not work: unknown, malformed, closed,
/// expired, evicted; and what a connection closed while parked leaves behind.
@Suite struct ClientGoneTests {
    @Test(.timeLimit(.minutes(2)))
    func unknownAndMalformedIdsAreGoneUnknown() async throws {
        try await withInProcessServer { server in
            let real = try await server.registerClient()
            let ids = [
                unknownClientID, "not-a-client", real.uppercased(), real + "0", String(real.dropLast()),
                real.replacingDashes, "%20" + real, "",
            ]
            for id in ids {
                let response = try await server.request("GET", "/livepage/clients/\(id)/output")
                expectError(response, 410, reason: "unknown", hiding: [real, id].filter { !$0.isEmpty })
                expectAPIHeaders(response)
            }
            #expect(try await server.metric("livepage_clients") == 1)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aClosedClientIsGoneClosed() async throws {
        try await withInProcessServer { server in
            let id = try await server.registerClient()
            #expect(try await server.close(id).status == 204)
            expectError(try server.poll(id), 410, reason: "closed", hiding: [id])
            expectError(try server.poll(id, after: 5), 410, reason: "closed", hiding: [id])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aClientOverItsEventLimitIsEvicted() async throws {
        try await withInProcessServer(publishing + ["--max-queued-events", "3"]) { server in
            let id = try await server.registerClient()
            let keeper = try await server.registerClient()
            #expect(try await server.deliver(#"[{"verb": "remove", "id": "a"}, {"verb": "remove", "id": "b"}]"#, to: #"{"client": "\#(id)"}"#) == 2)
            // Polled but not acknowledged: both stay queued, and two more make four.
            #expect(seqs(try server.events(id)) == [1, 2])
            let two = #"[{"verb": "remove", "id": "c"}, {"verb": "remove", "id": "d"}]"#
            #expect(try await server.deliver(two, to: #"{"all": true}"#) == 2, "only the keeper's two are queued")

            expectError(try server.poll(id), 410, reason: "evicted", hiding: [id])
            #expect(try await server.metric("livepage_queue_evictions_total") == 1)
            #expect(seqs(try server.events(keeper)) == [1, 2], "the other client keeps its events")
        }
    }

    /// A parked poll means an empty queue, so only a publish whose events alone overflow
    /// a queue could evict a parked client; such a publish is refused before anything is
    /// queued (red team: 1,025 events to `all` evicted everyone), and the poll stays.
    @Test(.timeLimit(.minutes(2)))
    func aPublishOverAParkedClientsByteLimitIsRefusedAndThePollStays() async throws {
        try await withInProcessServer(publishing + ["--max-queued-bytes", "2000"]) { server in
            let id = try await server.registerClient()
            let poller = try server.connect()
            try poller.send(TestHTTPRequest("GET", server.outputPath(id)))
            #expect(try await server.metric("livepage_parked_requests") == 1)
            let html = String(repeating: "x", count: 1200)
            let two = #"[{"verb": "update", "id": "a", "html": "\#(html)"}, {"verb": "update", "id": "b", "html": "\#(html)"}]"#
            expectError(try await server.publish(#"{"to": {"client": "\#(id)"}, "events": \#(two)}"#), 413)
            #expect(try await server.metric("livepage_parked_requests") == 1, "the poll is still parked")
            #expect(try await server.deliver(#"[{"verb": "remove", "id": "a"}]"#, to: #"{"client": "\#(id)"}"#) == 1)
            #expect(try await poller.readResponse().status == 200)
            #expect(try await server.metric("livepage_queue_evictions_total") == 0)
        }
    }

    /// A process test: that the connection itself is closed is the engine's to show.
    @Test(.timeLimit(.minutes(2)))
    func aConnectionClosedWhileParkedIsForgottenAtOnce() async throws {
        // The hold time is about a minute, so only the closed connection can unpark the poll.
        try await withServer(["--refresh", "60"]) { server in
            let id = try server.registerClient()
            let poller = try server.connect()
            try poller.send(TestHTTPRequest("GET", server.outputPath(id)))
            #expect(try await server.waitForMetric("livepage_parked_requests", toBe: 1))
            poller.close()
            #expect(try await eventually(timeout: .seconds(20)) { try server.metric("livepage_parked_requests") == 0 })
            #expect(try await eventually(timeout: .seconds(20)) { try server.metric("livepage_http_connections") == 1 })
            #expect(try server.online(id).status == 200, "the client stays until it expires")

            // It can poll again, on a new connection.
            let again = try server.connect()
            try again.send(TestHTTPRequest("GET", server.outputPath(id)))
            #expect(try await server.waitForMetric("livepage_parked_requests", toBe: 1))
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aClientWhoseParkedConnectionClosedExpiresRefreshPlusGraceLater() async throws {
        // The client expires refresh + grace (11 s) after its poll ends; expiry is checked
        // every second. Without a resume window, which would keep it (ResumeWindowTests).
        try await withInProcessServer(["--refresh", "10", "--grace", "1", "--resume-window", "0"]) { server in
            let id = try await server.registerClient(at: "/chat", principal: "alice")
            let poller = try server.connect()
            try poller.send(TestHTTPRequest("GET", server.outputPath(id)))
            #expect(try await server.metric("livepage_parked_requests") == 1)
            poller.close()

            server.advance(by: .milliseconds(10_899))
            #expect(try await server.online(id).status == 200, "expired before refresh + grace")
            server.advance(by: .milliseconds(1_101))
            expectError(try server.poll(id), 410, reason: "expired", hiding: [id])
            expectError(try await server.online(id), 410, reason: "expired", hiding: [id])
            #expect(try await server.metric("livepage_client_expirations_total") == 1)
            #expect(try await server.metric("livepage_clients") == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func anIdleAnswerStartsTheExpiryCountdown() async throws {
        try await withInProcessServer(["--refresh", "1", "--grace", "1", "--resume-window", "0"]) { server in
            let id = try await server.registerClient()
            // The idle answer comes 0.9 to 1 s after the poll; the client expires 2 s after it.
            let poll = server.startPoll(id)
            server.advance(by: .seconds(1))
            #expect(try server.answered(poll).events().isEmpty)
            server.advance(by: .milliseconds(1_850))
            #expect(try await server.online(id).status == 200, "expired before hold time + refresh + grace")
            server.advance(by: .milliseconds(1_150))
            expectError(try server.poll(id), 410, reason: "expired", hiding: [id])
        }
    }
}

extension String {
    /// The id with its dashes removed, a malformed id.
    fileprivate var replacingDashes: String { String(filter { $0 != "-" }) }
}

/// A client whose page stopped polling is kept, out of who is online, for the resume
/// window: back with its id and `after`, it gets what it missed. That the client expires
/// once the window is over is `ResumeWindowTests.afterTheWindowTheClientIsExpired`, on a
/// manual clock: here the window is long, because a test on a busy machine can wait many
/// seconds for its turn, and the state it looks for must outlast that.
@Suite struct ResumeWindowProcessTests {
    @Test(.timeLimit(.minutes(3)))
    func aClientBackWithinTheResumeWindowGetsWhatItMissed() async throws {
        try await withServer(publishing + ["--refresh", "1", "--grace", "1", "--resume-window", "600"]) { server in
            let id = try server.registerClient(at: "/away", principal: "alice")
            #expect(try server.poll(id).events().isEmpty)
            #expect(try await eventually(timeout: .seconds(120)) { try server.metric("livepage_clients_away") == 1 })
            #expect(try server.online(id).status == 200, "still a client")
            let presence = try server.request(
                "GET", "/livepage/presence?location=%2Faway", headers: [("Authorization", "Bearer \(publishKey)")])
            #expect(try presence.json().int("count") == 0, "no longer online")
            #expect(try server.deliver(#"[{"verb": "remove", "id": "x"}]"#, to: #"{"client": "\#(id)"}"#) == 1)
            #expect(seqs(try server.events(id)) == [1])
            #expect(try server.metric("livepage_client_resumes_total") == 1)
            #expect(try server.metric("livepage_clients_away") == 0)
        }
    }
}
