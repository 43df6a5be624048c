import LivePageEvents
import LivePageTestSupport
import LivePageTesting
import Testing

/// `POST /livepage/publish`: the publish key, the body, and what is refused.
@Suite struct PublishTests {
    static let body = #"{"to": {"all": true}, "events": [{"verb": "remove", "id": "x"}]}"#

    @Test(.timeLimit(.minutes(2)))
    func publishingIsNotFoundWithoutAKey() async throws {
        try await withInProcessServer { server in
            expectError(try await server.publish(Self.body, key: nil), 404)
            expectError(try await server.publish(Self.body, key: "any-key-at-all-0123456789"), 404)
            expectError(try await server.disconnect(#"{"to": {"all": true}}"#), 404)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aMissingOrWrongKeyIsUnauthorized() async throws {
        try await withInProcessServer(publishing) { server in
            _ = try await server.registerClient()
            let wrong: [[(name: String, value: String)]] = [
                [],
                [("Authorization", "Bearer wrong-key-0123456789")],
                [("Authorization", "Bearer \(publishKey)x")],
                [("Authorization", "Bearer \(publishKey.dropLast())")],
                [("Authorization", "Bearer ")],
                [("Authorization", publishKey)],
                [("Authorization", "Basic \(publishKey)")],
                [("Authorization", "bearer\(publishKey)")],
            ]
            for headers in wrong {
                let response = try await server.postJSON("/livepage/publish", Self.body, headers: headers)
                expectError(response, 401, hiding: [publishKey])
                #expect(response.status == 401, "\(headers)")
                expectError(try await server.postJSON("/livepage/disconnect", #"{"to": {"all": true}}"#, headers: headers), 401)
            }
            #expect(try await server.metric("livepage_events_queued_total") == 0)
            #expect(try await server.metric("livepage_clients") == 1)
        }
    }

    /// RFC 9110: the authentication scheme is case-insensitive.
    @Test(.timeLimit(.minutes(2)))
    func theBearerSchemeIsCaseInsensitive() async throws {
        try await withInProcessServer(publishing) { server in
            for scheme in ["bearer", "BEARER", "bEaReR"] {
                let response = try await server.postJSON("/livepage/publish", Self.body, headers: [("Authorization", "\(scheme) \(publishKey)")])
                #expect(response.status == 200, "\(scheme): \(response)")
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func eitherOfTwoKeysWorks() async throws {
        let second = "second-publish-key-abcdefghij"
        try await withInProcessServer(publishing + ["--publish-key", second]) { server in
            _ = try await server.registerClient()
            for key in [publishKey, second] {
                let response = try await server.publish(Self.body, key: key)
                #expect(response.status == 200, "\(response)")
                expectAPIHeaders(response)
                #expect(try response.json() == ["delivered": 1])
            }
            expectError(try await server.publish(Self.body, key: "third-key-not-configured-0"), 401)
        }
    }

    /// Bodies refused with `400`, and a word the error must name.
    static let refusedBodies: [(body: String, mentions: [String])] = [
        (#"{"events": [{"verb": "remove", "id": "x"}]}"#, ["to"]),
        (#"{"to": "everyone", "events": [{"verb": "remove", "id": "x"}]}"#, ["to"]),
        (#"{"to": {}, "events": [{"verb": "remove", "id": "x"}]}"#, ["exactly one"]),
        (#"{"to": {"except": "\#(unknownClientID)"}, "events": [{"verb": "remove", "id": "x"}]}"#, ["exactly one"]),
        (#"{"to": {"location": "/a", "principal": "alice"}, "events": [{"verb": "remove", "id": "x"}]}"#, ["exactly one"]),
        (#"{"to": {"all": true, "client": "\#(unknownClientID)"}, "events": [{"verb": "remove", "id": "x"}]}"#, ["exactly one"]),
        (#"{"to": {"room": "/a"}, "events": [{"verb": "remove", "id": "x"}]}"#, ["to"]),
        (#"{"to": {"all": false}, "events": [{"verb": "remove", "id": "x"}]}"#, ["all"]),
        (#"{"to": {"location": ""}, "events": [{"verb": "remove", "id": "x"}]}"#, ["location"]),
        (#"{"to": {"location": 5}, "events": [{"verb": "remove", "id": "x"}]}"#, ["location"]),
        (#"{"to": {"principal": null}, "events": [{"verb": "remove", "id": "x"}]}"#, ["principal"]),
        (#"{"to": {"client": "not-an-id"}, "events": [{"verb": "remove", "id": "x"}]}"#, ["client"]),
        (#"{"to": {"all": true, "except": "nope"}, "events": [{"verb": "remove", "id": "x"}]}"#, ["except"]),
        (#"{"to": {"all": true}}"#, ["events"]),
        (#"{"to": {"all": true}, "events": []}"#, ["events"]),
        (#"{"to": {"all": true}, "events": {"verb": "remove"}}"#, ["events"]),
        (#"{"to": {"all": true}, "events": ["remove"]}"#, ["events[0]"]),
        (#"{"to": {"all": true}, "events": [{"verb": "remove", "id": "x"}, {"verb": "update", "html": "y"}]}"#, ["events[1]", "id"]),
        (#"{"to": {"all": true}, "events": [{"verb": "update", "id": "x", "html": 5}]}"#, ["events[0]", "html"]),
        (#"{"to": {"all": true}, "events": [{"verb": "update", "id": "9x", "html": "y"}]}"#, ["events[0]", "id"]),
        (#"{"to": {"all": true}, "events": [{"verb": "text", "id": "x"}]}"#, ["events[0]", "text"]),
        (#"{"to": {"all": true}, "events": [{"id": "x"}]}"#, ["events[0]", "verb"]),
        (#"{"to": {"all": true}, "events": [{"verb": "bad verb!"}]}"#, ["events[0]", "verb"]),
        (#"{"to": {"all": true}, "events": [{"verb": "presence", "location": "/a"}]}"#, ["events[0]", "presence"]),
        (#"{"to": {"all": true}, "events": [{"verb": "remove", "id": "x"}], "id": ""}"#, ["id"]),
        (#"{"to": {"all": true}, "events": [{"verb": "remove", "id": "x"}], "id": 7}"#, ["id"]),
        (#"{"to": {"all": true}, "events": [{"verb": "remove", "id": "x"}], "id": "\#(String(repeating: "i", count: 129))"}"#, ["id"]),
        (#"{"to": {"all": true}, "events": [{"verb": "remove", "id": "x"}]"#, []),
        (#"[]"#, ["object"]),
    ]

    @Test(.timeLimit(.minutes(2)))
    func badBodiesAreRefusedNamingTheProblem() async throws {
        try await withInProcessServer(publishing) { server in
            let id = try await server.registerClient(at: "/a", principal: "alice")
            for refused in Self.refusedBodies {
                let response = try await server.publish(refused.body)
                #expect(response.status == 400, "\(refused.body): \(response)")
                expectError(response, 400, mentioning: refused.mentions)
            }
            expectError(try await server.request("POST", "/livepage/publish", headers: [("Authorization", "Bearer \(publishKey)")], body: Self.body), 415)
            let plain = [("Authorization", "Bearer \(publishKey)"), ("Content-Type", "text/plain")]
            expectError(try await server.request("POST", "/livepage/publish", headers: plain, body: Self.body), 415)
            #expect(try await server.metric("livepage_events_queued_total") == 0)
            _ = try await server.deliver(#"[{"verb": "remove", "id": "marker"}]"#, to: #"{"client": "\#(id)"}"#)
            #expect(try server.events(id).map { $0.string("id") } == ["marker"], "nothing refused was delivered")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func anIdOf128BytesIsAccepted() async throws {
        try await withInProcessServer(publishing) { server in
            let id = String(repeating: "i", count: 128)
            let response = try await server.publish(#"{"to": {"all": true}, "events": [{"verb": "remove", "id": "x"}], "id": "\#(id)"}"#)
            #expect(response.status == 200, "\(response)")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func anEventLargerThanAClientQueueIsTooLarge() async throws {
        try await withInProcessServer(publishing + ["--max-queued-bytes", "1000"]) { server in
            let id = try await server.registerClient()
            let html = String(repeating: "x", count: 1000)
            let response = try await server.publish(#"{"to": {"all": true}, "events": [{"verb": "remove", "id": "a"}, {"verb": "update", "id": "b", "html": "\#(html)"}]}"#)
            expectError(response, 413)
            #expect(try await server.metric("livepage_events_queued_total") == 0, "nothing of a refused publish is queued")
            #expect(try await server.online(id).status == 200, "no client was evicted")
            #expect(try await server.metric("livepage_queue_evictions_total") == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aBodyOverThePublishLimitIsTooLarge() async throws {
        try await withInProcessServer(publishing + ["--max-publish-body", "1000", "--max-input-body", "100"]) { server in
            _ = try await server.registerClient()
            let padding = String(repeating: "x", count: 800)
            let fits = #"{"to": {"all": true}, "events": [{"verb": "update", "id": "a", "html": "\#(padding)"}]}"#
            #expect(fits.utf8.count < 1000)
            #expect(try await server.publish(fits).status == 200, "the publish limit, not the input limit, applies")
            let over = #"{"to": {"all": true}, "events": [{"verb": "update", "id": "a", "html": "\#(padding)\#(padding)"}]}"#
            expectError(try await server.publish(over), 413)
            expectError(try await server.disconnect(#"{"to": {"all": true}, "pad": "\#(padding)\#(padding)"}"#), 413)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func theDefaultPublishLimitIs1MiB() async throws {
        // A queue that holds a 1 MiB event, so that only the body limit is in play.
        try await withInProcessServer(publishing + ["--max-queued-bytes", "2097152"]) { server in
            let envelope = #"{"to": {"all": true}, "events": [{"verb": "custom", "pad": ""}]}"#
            let fits = envelope.replacing(#""pad": """#, with: #""pad": "\#(String(repeating: "p", count: (1 << 20) - envelope.utf8.count))""#)
            #expect(fits.utf8.count == 1 << 20)
            #expect(try await server.publish(fits).status == 200)
            expectError(try await server.publish(fits.replacing(#""pad": ""#, with: #""pad": "pp"#)), 413)
        }
    }
}
