import LivePageEvents
import LivePageTestSupport
import LivePageTesting
import Testing

/// Who a publish reaches, counted exactly; `id` deduplication; events passed through.
@Suite struct PublishAudienceTests {
    /// Five clients: alice with two tabs at `/a` and one at `/b`, bob at `/a`, and an
    /// anonymous client at `/b`.
    struct Clients {
        let aliceA1: String
        let aliceA2: String
        let bobA: String
        let aliceB: String
        let anonymousB: String

        init(_ server: InProcessServer) async throws {
            aliceA1 = try await server.registerClient(at: "/a", principal: "alice")
            aliceA2 = try await server.registerClient(at: "/a", principal: "alice")
            bobA = try await server.registerClient(at: "/a", principal: "bob")
            aliceB = try await server.registerClient(at: "/b", principal: "alice")
            anonymousB = try await server.registerClient(at: "/b")
        }
    }

    /// One event whose element id names it.
    static func event(_ name: String) -> String { #"[{"verb": "remove", "id": "\#(name)"}]"# }

    @Test(.timeLimit(.minutes(2)))
    func eachAudienceReachesExactlyItsClients() async throws {
        try await withInProcessServer(publishing) { server in
            let clients = try await Clients(server)
            let two = #"[{"verb": "remove", "id": "loc1"}, {"verb": "remove", "id": "loc2"}]"#
            #expect(try await server.deliver(two, to: #"{"location": "/a"}"#) == 6)
            #expect(try await server.deliver(Self.event("p"), to: #"{"principal": "alice"}"#) == 3)
            #expect(try await server.deliver(Self.event("c"), to: #"{"client": "\#(clients.bobA)"}"#) == 1)
            #expect(try await server.deliver(Self.event("all"), to: #"{"all": true}"#) == 5)
            #expect(try await server.deliver(Self.event("x1"), to: #"{"location": "/a", "except": "\#(clients.aliceA1)"}"#) == 2)
            #expect(try await server.deliver(Self.event("x2"), to: #"{"except": "\#(clients.anonymousB)", "all": true}"#) == 4)
            #expect(try await server.deliver(Self.event("x3"), to: #"{"principal": "alice", "except": "\#(clients.aliceB)"}"#) == 2)
            #expect(try await server.deliver(Self.event("none"), to: #"{"location": "/nobody"}"#) == 0)
            #expect(try await server.deliver(Self.event("none"), to: #"{"principal": "nobody"}"#) == 0)
            #expect(try await server.deliver(Self.event("none"), to: #"{"client": "\#(unknownClientID)"}"#) == 0)
            #expect(try await server.deliver(Self.event("none"), to: #"{"client": "\#(clients.bobA)", "except": "\#(clients.bobA)"}"#) == 0)

            let expected = [
                (clients.aliceA1, ["loc1", "loc2", "p", "all", "x2", "x3"]),
                (clients.aliceA2, ["loc1", "loc2", "p", "all", "x1", "x2", "x3"]),
                (clients.bobA, ["loc1", "loc2", "c", "all", "x1", "x2"]),
                (clients.aliceB, ["p", "all", "x2"]),
                (clients.anonymousB, ["all"]),
            ]
            for (id, names) in expected {
                let events = try server.events(id)
                #expect(events.map { $0.string("id") ?? "" } == names)
                #expect(seqs(events) == Array(1...names.count), "seqs without gaps")
            }
            #expect(try await server.metric("livepage_events_queued_total") == 23)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func publisherHTMLIsTrustedAndCustomVerbsPassUnchanged() async throws {
        try await withInProcessServer(publishing) { server in
            let id = try await server.registerClient()
            let custom =
                #"{"verb": "chat-typing", "who": "alice", "from": "backend", "n": 12345678901234567890, "x": 1.50, "e": -2E+3, "nested": {"a": [1, null, true, "\u00e9\n"]}, "html": "<b>5</b>"}"#
            let update = #"{"verb": "update", "id": "count", "html": "<b onclick=\"go()\">5</b>"}"#
            #expect(try await server.deliver("[\(custom), \(update)]", to: #"{"all": true}"#) == 2)
            let events = try server.events(id)
            try #require(events.count == 2)
            #expect(events[0].removing("seq") == (try JSONValue(parsing: custom)).objectValue)
            #expect(Array(events[0].keys.prefix(2)) == ["seq", "verb"])
            #expect(events[0]["n"] == (try JSONValue(parsing: "12345678901234567890")), "numbers pass as written")
            #expect(events[1] == ["seq": 2, "verb": "update", "id": "count", "html": #"<b onclick="go()">5</b>"#])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aPublishRepeatedWithItsIdIsAnsweredAsTheFirstAndNotDeliveredAgain() async throws {
        try await withInProcessServer(publishing) { server in
            let clients = try await Clients(server)
            let first = try await server.publish(#"{"to": {"location": "/a"}, "id": "order-17", "events": \#(Self.event("once"))}"#)
            #expect(first.status == 200)
            #expect(try first.json() == ["delivered": 3])
            let repeated = try await server.publish(#"{"to": {"location": "/a"}, "id": "order-17", "events": \#(Self.event("once"))}"#)
            #expect(repeated.status == 200)
            #expect(repeated.body == first.body)
            let changed = try await server.publish(#"{"to": {"all": true}, "id": "order-17", "events": \#(Self.event("other"))}"#)
            #expect(try changed.json() == ["delivered": 3], "a repeated id is answered as the first, whatever it carries")
            #expect(try await server.deliver(Self.event("next"), to: #"{"location": "/a"}"#) == 3, "without an id every publish delivers")
            let another = try await server.publish(#"{"to": {"location": "/a"}, "id": "order-18", "events": \#(Self.event("once"))}"#)
            #expect(try another.json() == ["delivered": 3])

            for id in [clients.aliceA1, clients.aliceA2, clients.bobA] {
                #expect(try server.events(id).map { $0.string("id") ?? "" } == ["once", "next", "once"])
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aPublishThatFailedIsDeliveredWhenRetriedWithItsId() async throws {
        try await withInProcessServer(publishing + ["--max-queued-bytes", "1000"]) { server in
            let id = try await server.registerClient()
            let large = #"[{"verb": "update", "id": "a", "html": "\#(String(repeating: "x", count: 1000))"}]"#
            expectError(try await server.publish(#"{"to": {"all": true}, "id": "retry-1", "events": \#(large)}"#), 413)
            let retried = try await server.publish(#"{"to": {"all": true}, "id": "retry-1", "events": \#(Self.event("small"))}"#)
            #expect(try retried.json() == ["delivered": 1], "\(retried)")
            #expect(try server.events(id).map { $0.string("id") } == ["small"])
        }
    }
}
