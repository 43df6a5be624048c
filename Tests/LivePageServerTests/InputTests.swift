import LivePageEvents
import LivePageTestSupport
import LivePageTesting
import Testing

/// `POST /livepage/clients/{id}/input`: forms and JSON become events for every client at
/// the sender's location, escaped, with `from` set; what input may not do is `400`.
@Suite struct InputTests {
    static let attack = "<img src=x onerror=alert(1)>"
    static let escapedAttack = "&lt;img src=x onerror=alert(1)&gt;"

    @Test(.timeLimit(.minutes(2)))
    func formInputReachesEveryClientAtTheLocationEscaped() async throws {
        try await withInProcessServer(publishing) { server in
            let alice = try await server.registerClient(at: "/chat", principal: "alice")
            let bob = try await server.registerClient(at: "/chat", principal: "bob")
            let carol = try await server.registerClient(at: "/other", principal: "carol")
            let response = try await server.input(alice, form: "verb=append&id=log&html=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E")
            #expect(response.status == 200, "\(response)")
            expectAPIHeaders(response)
            #expect(try response.json() == ["delivered": 2])

            let expected: JSONObject = ["seq": 1, "verb": "append", "id": "log", "html": .string(Self.escapedAttack), "from": "alice"]
            #expect(try server.events(alice) == [expected])
            #expect(try server.events(bob) == [expected])
            _ = try await server.deliver(#"[{"verb": "remove", "id": "x"}]"#, to: #"{"client": "\#(carol)"}"#)
            #expect(try server.events(carol) == [["seq": 1, "verb": "remove", "id": "x"]], "another location hears nothing")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func jsonInputIsTheSameFieldsAsAnObject() async throws {
        try await withInProcessServer { server in
            let alice = try await server.registerClient(at: "/chat", principal: "alice")
            let bob = try await server.registerClient(at: "/chat", principal: "bob")
            let json = #"{"verb": "prepend", "id": "log", "html": "\#(Self.attack) & \"quoted\" 'single'"}"#
            let response = try await server.request(
                "POST", "/livepage/clients/\(alice)/input", headers: [("Content-Type", "application/json; charset=utf-8")], body: json
            )
            #expect(try response.json() == ["delivered": 2], "\(response)")
            let html = Self.escapedAttack + " &amp; &quot;quoted&quot; &#39;single&#39;"
            #expect(try server.events(bob) == [["seq": 1, "verb": "prepend", "id": "log", "html": .string(html), "from": "alice"]])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func fromIsTheSendersPrincipalWhateverTheInputSays() async throws {
        try await withInProcessServer { server in
            let alice = try await server.registerClient(at: "/chat", principal: "alice")
            let anonymous = try await server.registerClient(at: "/chat")
            #expect(try await server.input(alice, form: "verb=append&id=log&html=a&from=mallory").status == 200)
            #expect(try await server.input(alice, json: #"{"verb": "append", "from": "mallory", "id": "log", "html": "b"}"#).status == 200)
            #expect(try await server.input(anonymous, form: "verb=append&id=log&html=c&from=mallory").status == 200)
            #expect(try await server.input(anonymous, json: #"{"verb": "append", "id": "log", "html": "d", "from": null}"#).status == 200)
            let events = try server.events(alice)
            #expect(events.map { $0["from"] } == [.string("alice"), .string("alice"), .null, .null])
            #expect(events.map { $0.string("html") } == ["a", "b", "c", "d"])
            #expect(events.allSatisfy { $0.keys.filter { $0 == "from" }.count == 1 })
        }
    }

    /// Form bodies refused with `400`, and a word the error must name.
    static let refusedForms: [(form: String, mentions: String)] = [
        ("verb=dance&id=log&html=x", "dance"),
        ("verb=update&id=log&html=x", "update"),
        ("verb=text&id=log&text=x", "text"),
        ("verb=remove&id=log", "remove"),
        ("verb=attribute&id=log&name=title&value=x", "attribute"),
        ("verb=presence&location=%2Fchat", "presence"),
        ("verb=append&html=x", "id"),
        ("verb=append&id=log", "html"),
        ("id=log&html=x", "verb"),
        ("verb=append&id=log&id=other&html=x", "id"),
        ("verb=append&verb=append&id=log&html=x", "verb"),
        ("verb=append&id=1log&html=x", "id"),
        ("verb=append&id=a%20b&html=x", "id"),
        ("verb=append&id=log&html=%zz", "%"),
        ("verb=append&id=log&html=%E2%82", "UTF-8"),
        ("verb=append&id=log&html=%", "%"),
        ("=x&verb=append&id=log&html=x", "name"),
    ]

    @Test(.timeLimit(.minutes(2)))
    func inputThatCannotBecomeAnAllowedEventIsABadRequestNamingWhy() async throws {
        try await withInProcessServer(publishing) { server in
            let sender = try await server.registerClient(at: "/chat", principal: "alice")
            let reader = try await server.registerClient(at: "/chat", principal: "bob")
            for refused in Self.refusedForms {
                let response = try await server.input(sender, form: refused.form)
                #expect(response.status == 400, "\(refused.form): \(response)")
                expectError(response, 400, mentioning: [refused.mentions], hiding: [sender])
                expectAPIHeaders(response)
            }
            let refusedJSON = [
                (#"{"verb": "append", "id": "log", "html": 5}"#, "html"),
                (#"{"verb": 5, "id": "log", "html": "x"}"#, "verb"),
                (#"{"verb": "update", "id": "log", "html": "x"}"#, "update"),
                (#"{"id": "log", "html": "x"}"#, "verb"),
                (#"["append"]"#, "object"),
                (#"{"verb": "append""#, ""),
            ]
            for (json, mentions) in refusedJSON {
                expectError(try await server.input(sender, json: json), 400, mentioning: mentions.isEmpty ? [] : [mentions], hiding: [sender])
            }
            _ = try await server.deliver(#"[{"verb": "remove", "id": "marker"}]"#, to: #"{"client": "\#(reader)"}"#)
            #expect(try server.events(reader).map { $0.string("id") } == ["marker"], "refused input must not be delivered")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func anotherContentTypeIsUnsupported() async throws {
        try await withInProcessServer { server in
            let id = try await server.registerClient()
            for contentType in ["text/plain", "multipart/form-data; boundary=x", "application/jsonx", nil] {
                let headers = contentType.map { [(name: "Content-Type", value: $0)] } ?? []
                let response = try await server.request("POST", "/livepage/clients/\(id)/input", headers: headers, body: "verb=append&id=log&html=x")
                expectError(response, 415, hiding: [id])
            }
            let upper = try await server.request(
                "POST", "/livepage/clients/\(id)/input", headers: [("Content-Type", "Application/X-WWW-Form-URLEncoded; charset=UTF-8")],
                body: "verb=append&id=log&html=x"
            )
            #expect(upper.status == 200, "media types are case-insensitive: \(upper)")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aBodyOverTheInputLimitIsTooLarge() async throws {
        try await withInProcessServer(["--max-input-body", "100"]) { server in
            let id = try await server.registerClient()
            let prefix = "verb=append&id=log&html="
            let fits = prefix + String(repeating: "x", count: 100 - prefix.utf8.count)
            #expect(try await server.input(id, form: fits).status == 200)
            let response = try await server.input(id, form: fits + "x")
            expectError(response, 413, hiding: [id])
            #expect(try server.events(id).count == 1)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func theDefaultInputLimitIs64KiB() async throws {
        try await withInProcessServer { server in
            let id = try await server.registerClient()
            let prefix = "verb=append&id=log&html="
            let fits = prefix + String(repeating: "x", count: 65536 - prefix.utf8.count)
            #expect(try await server.input(id, form: fits).status == 200)
            expectError(try await server.input(id, form: fits + "x"), 413, hiding: [id])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func inputFromAClientThatDoesNotWorkIsGone() async throws {
        try await withInProcessServer { server in
            let closed = try await server.registerClient()
            #expect(try await server.close(closed).status == 204)
            for (id, reason) in [(unknownClientID, "unknown"), ("not-an-id", "unknown"), (closed, "closed")] {
                let response = try await server.input(id, form: "verb=append&id=log&html=x")
                expectError(response, 410, reason: reason, hiding: [id])
            }
        }
    }
}
