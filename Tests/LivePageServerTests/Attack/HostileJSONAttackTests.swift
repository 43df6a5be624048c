import LivePageEvents
import LivePageTestSupport
import Testing

/// Bodies built to hurt a parser: nesting far past the 64 levels JSON may have here (a
/// stack-exhaustion bomb), objects with tens of thousands of keys, duplicate keys, and
/// bytes that are not UTF-8. Each is answered `400` (or accepted, for many distinct keys,
/// which cost linear time), and the server keeps serving.
@Suite(.timeLimit(.minutes(3)))
struct HostileJSONAttackTests {
    /// `depth` nested arrays (or objects) around `inner`.
    static func nested(_ depth: Int, objects: Bool = false, inner: String = "1") -> String {
        objects
            ? String(repeating: #"{"a":"#, count: depth) + inner + String(repeating: "}", count: depth)
            : String(repeating: "[", count: depth) + inner + String(repeating: "]", count: depth)
    }

    @Test func aNestingBombIsABadRequestOnEveryRouteThatReadsJSON() async throws {
        try await withServer(publishing) { server in
            let id = try server.registerClient(at: "/forum")
            // Each as deep as the route's body limit allows, and unclosed variants, which a
            // recursive parser would descend just as far.
            let bombs: [(String, String, Int)] = [
                ("registration", "/livepage/clients", 16 << 10), ("input", "/livepage/clients/\(id)/input", 64 << 10),
                ("publish", "/livepage/publish", 1 << 20), ("disconnect", "/livepage/disconnect", 1 << 20),
            ]
            for (name, path, limit) in bombs {
                // Each body stays under the route's limit, so it is parsed, not refused as large.
                let depth = limit / 2 - 64
                for (shape, body) in [
                    ("arrays", #"{"location": "/a", "verb": "append", "to": "# + Self.nested(depth) + "}"),
                    ("objects", #"{"location": "/a", "verb": "append", "to": "# + Self.nested(depth / 3, objects: true) + "}"),
                    ("unclosed arrays", #"{"location": "/a", "to": "# + String(repeating: "[", count: limit - 64)),
                    ("a bare bomb", Self.nested(depth)),
                ] {
                    let response = try server.postJSON(path, body, headers: [("Authorization", "Bearer \(publishKey)")])
                    expectError(response, 400, mentioning: ["nesting deeper than 64"], hiding: [id])
                    #expect(response.status == 400, "\(name), \(shape): \(response.status)")
                }
            }
            try server.expectHealthy(after: "nesting bombs")
            #expect(try server.metric("livepage_clients") == 1)
        }
    }

    @Test func nestingUpToTheLimitIsAcceptedInAPublishedEvent() async throws {
        try await withServer(publishing) { server in
            let id = try server.registerClient(at: "/board")
            // The body is level 1, `events` 2, the event 3: a field may nest 61 levels more.
            let deepest = #"{"to": {"client": "\#(id)"}, "events": [{"verb": "deep", "value": \#(Self.nested(61))}]}"#
            #expect(try server.publish(deepest).status == 200)
            let tooDeep = #"{"to": {"client": "\#(id)"}, "events": [{"verb": "deep", "value": \#(Self.nested(62))}]}"#
            expectError(try server.publish(tooDeep), 400, mentioning: ["nesting"])
            #expect(try server.events(id).count == 1)
        }
    }

    @Test func tensOfThousandsOfKeysAreParsedInLinearTimeAndDropped() async throws {
        try await withServer(publishing) { server in
            let sender = try server.registerClient(at: "/forum")
            let reader = try server.registerClient(at: "/forum")
            // An input body of 64 KiB holds about 5,000 extra fields; they do not reach the page.
            var keys = (0..<5000).map { #""k\#($0)":0"# }
            let json = #"{"verb": "append", "id": "log", "html": "x", "# + keys.joined(separator: ",") + "}"
            #expect(json.utf8.count < 64 << 10)
            let input = try server.input(sender, json: json)
            #expect(input.status == 200, "\(input)")
            let form = "verb=append&id=log&html=y&" + (0..<5000).map { "f\($0)=" }.joined(separator: "&")
            #expect(try server.input(sender, form: form).status == 200)
            #expect(try server.events(reader).map { Set($0.keys) } == [["seq", "verb", "id", "html", "from"], ["seq", "verb", "id", "html", "from"]])

            // A publish of 1 MiB holds about 70,000 keys in one custom event, passed on as
            // it is (publishers are trusted); the hash table is seeded per process, so no
            // chosen set of keys collides.
            keys = (0..<70000).map { #""k\#($0)":1"# }
            let publish = #"{"to": {"client": "\#(reader)"}, "events": [{"verb": "many", "# + keys.joined(separator: ",") + "}]}"
            #expect(publish.utf8.count < 1 << 20)
            #expect(try server.publish(publish).status == 200)
            let many = try server.events(reader, after: 2)
            #expect(many.count == 1 && many[0].keys.count == 70002)

            let duplicated = #"{"verb": "append", "id": "log", "html": "x", "html": "<script>alert(1)</script>"}"#
            expectError(try server.input(sender, json: duplicated), 400, mentioning: ["duplicate"])
            try server.expectHealthy(after: "many keys")
        }
    }

    /// Bodies whose bytes are not UTF-8, or spell a character the long way round.
    static let invalidUTF8: [(name: String, bytes: [UInt8])] = [
        ("a lone 0xFF", [0xFF]), ("a lone continuation byte", [0x80]), ("an overlong slash", [0xC0, 0xAF]),
        ("an overlong NUL", [0xC0, 0x80]), ("an overlong less-than", [0xE0, 0x80, 0xBC]), ("a UTF-16 surrogate", [0xED, 0xA0, 0x80]),
        ("beyond U+10FFFF", [0xF4, 0x90, 0x80, 0x80]), ("a truncated sequence", [0xE2, 0x82]), ("Latin-1", [0xE9]),
    ]

    @Test func bodiesThatAreNotUTF8AreBadRequests() async throws {
        try await withServer(publishing) { server in
            let sender = try server.registerClient(at: "/forum")
            let reader = try server.registerClient(at: "/forum")
            for (name, bytes) in Self.invalidUTF8 {
                func json(_ before: String, _ after: String) -> [UInt8] { Array(before.utf8) + bytes + Array(after.utf8) }
                let requests: [(String, String, [(name: String, value: String)], [UInt8])] = [
                    ("registration", "/livepage/clients", [("Content-Type", "application/json")], json(#"{"location": "/a"#, #""}"#)),
                    (
                        "a registration's principal", "/livepage/clients", [("Content-Type", "application/json")],
                        json(#"{"location": "/a", "principal": "a"#, #""}"#)
                    ),
                    (
                        "JSON input", "/livepage/clients/\(sender)/input", [("Content-Type", "application/json")],
                        json(#"{"verb": "append", "id": "log", "html": ""#, #""}"#)
                    ),
                    (
                        "form input", "/livepage/clients/\(sender)/input", [("Content-Type", "application/x-www-form-urlencoded")],
                        json("verb=append&id=log&html=", "")
                    ),
                    (
                        "publish", "/livepage/publish", [("Content-Type", "application/json"), ("Authorization", "Bearer \(publishKey)")],
                        json(#"{"to": {"all": true}, "events": [{"verb": "append", "id": "log", "html": ""#, #""}]}"#)
                    ),
                ]
                for (route, path, headers, body) in requests {
                    let response = try server.connect().request(TestHTTPRequest("POST", path, headers: headers, body: body))
                    #expect(response.status == 400, "\(name) in \(route): \(response)")
                    expectError(response, 400, hiding: [sender, reader])
                }
                let encoded = bytes.map { "%" + String($0, radix: 16, uppercase: true) }.joined()
                expectError(try server.input(sender, form: "verb=append&id=log&html=\(encoded)"), 400, mentioning: ["UTF-8"])
                let query = try server.request("GET", "/livepage/presence?location=\(encoded)", headers: [("Authorization", "Bearer \(publishKey)")])
                expectError(query, 400)
            }
            let escapes = [#"\uD800"#, #"\uDC00"#, #"\uD800\u0041"#, #"\u00"#, #"\x41"#]
            for escape in escapes {
                expectError(try server.input(sender, json: #"{"verb": "append", "id": "log", "html": "\#(escape)"}"#), 400)
            }
            #expect(try server.metric("livepage_clients") == 2)
            #expect(try server.input(sender, form: "verb=append&id=log&html=ok").status == 200)
            #expect(try server.events(reader).map { $0.string("html") } == ["ok"], "nothing malformed was delivered")
        }
    }
}
