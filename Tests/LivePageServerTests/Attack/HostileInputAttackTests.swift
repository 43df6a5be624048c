import LivePageEvents
import LivePageTestSupport
import Testing

/// HTML and script in every field that reaches another visitor's page: input HTML is
/// escaped exactly once, whatever form carries it; principals and locations are data in
/// JSON (the page writes them as text); the demo pages escape a visitor's name; element
/// ids and verbs that could be markup are refused.
@Suite(.timeLimit(.minutes(3)))
struct HostileInputAttackTests {
    @Test func hostileHTMLIsEscapedOnceWhateverFormCarriesIt() async throws {
        try await withServer { server in
            let mallory = try server.registerClient(at: "/forum", principal: "mallory")
            let reader = try server.registerClient(at: "/forum", principal: "alice")
            var expected: [String] = []
            for (sent, escaped) in hostileHTML {
                let extra = "&onclick=\(formEncoded("alert(1)"))&style=x&seq=1&from=admin"
                let form = try server.input(mallory, form: "verb=append&id=log&html=\(formEncoded(sent))" + extra)
                #expect(form.status == 200, "\(form)")
                let json = try server.input(
                    mallory,
                    json: attackJSON([
                        "verb": "prepend", "id": "log", "html": .string(sent), "onclick": "alert(1)", "seq": 1, "from": "admin",
                    ]))
                #expect(json.status == 200, "\(json)")
                let charset = try server.request(
                    "POST", "/livepage/clients/\(mallory)/input",
                    headers: [("Content-Type", "application/x-www-form-urlencoded; charset=ISO-8859-1")],
                    body: "verb=append&id=log&html=\(formEncoded(sent))")
                #expect(charset.status == 200, "\(charset)")
                expected += [escaped, escaped, escaped]
            }
            let events = try server.events(reader)
            #expect(events.map { $0.string("html") } == expected)
            for event in events {
                #expect(Set(event.keys) == ["seq", "verb", "id", "html", "from"], "fields beyond the verb's reached the page: \(event)")
                #expect(event.string("from") == "mallory")
                #expect(event.string("id") == "log")
            }
            #expect(seqs(events) == Array(1...events.count), "input cannot choose its seq")
            try server.expectHealthy(after: "hostile HTML")
        }
    }

    static let hostileNames = [
        "<img src=x onerror=alert(1)>", #""><script>alert(1)</script>"#, "</script><script>alert(1)</script>",
        "' onmouseover='alert(1)", "\u{202E}evil", "a&amp;b",
    ]

    @Test func hostileNamesAreDataInEveryAnswerThatCarriesThem() async throws {
        try await withServer { server in
            let watcher = try server.registerClient(at: "/room", principal: "watcher", presence: "list")
            #expect(try server.events(watcher).count == 1)
            for name in Self.hostileNames {
                let registered = try server.register(fields: ["location": "/room", "principal": .string(name)])
                #expect(registered.status == 201, "\(name): \(registered)")
                #expect(registered.header("Content-Type") == "application/json")
                #expect(try registered.json().string("principal") == name)
            }
            var joined: [String] = []
            var after = 1
            while joined.count < Self.hostileNames.count {
                let events = try server.events(watcher, after: after)
                after = events.last?.int("seq") ?? after
                joined += events.flatMap { $0.strings("joined") ?? [] }
            }
            #expect(Set(joined) == Set(Self.hostileNames), "the names arrive as they are, as JSON strings")
            let online = try server.online(watcher)
            #expect(online.header("Content-Type") == "application/json")
            #expect(online.header("X-Content-Type-Options") == "nosniff")
            #expect(Set(try online.json().strings("principals") ?? []) == Set(Self.hostileNames + ["watcher"]))
            try server.expectHealthy(after: "hostile names")
        }
    }

    @Test func hostileLocationsAreDataInEveryAnswerThatCarriesThem() async throws {
        try await withServer(publishing) { server in
            for location in ["/<script>alert(1)</script>", #"/"><img src=x onerror=alert(1)>"#, "/a&b'c"] {
                let registered = try server.register(fields: ["location": .string(location), "presence": "count"])
                #expect(registered.status == 201, "\(location): \(registered)")
                let body = try registered.json()
                #expect(body.string("location") == location)
                let id = try #require(body.string("client"))
                let first = try server.events(id)
                #expect(first.first?.string("location") == location)
                let published = try server.publish(
                    attackJSON([
                        "to": ["location": .string(location)], "events": [["verb": "text", "id": "t", "text": .string(location)]],
                    ]))
                #expect(try published.json().int("delivered") == 1, "\(published)")
                let presence = try server.request("GET", "/livepage/presence?location=\(formEncoded(location))", headers: [("Authorization", "Bearer \(publishKey)")])
                #expect(presence.header("Content-Type") == "application/json")
                #expect(try presence.json().string("location") == location)
            }
        }
    }

    @Test func theDemoPagesEscapeAVisitorsName() async throws {
        try await withServer(publishing) { server in
            let plain = try server.request("GET", "/?name=alice")
            try #require(plain.status == 200)
            let scripts = occurrences(of: "<script", in: plain.text)
            for name in Self.hostileNames {
                let page = try server.request("GET", "/?name=\(formEncoded(name))")
                #expect(page.status == 200, "\(name): \(page)")
                #expect(page.header("Cache-Control") == "no-store, private")
                #expect(page.text.contains(#"data-me="\#(HTML.escape(name))""#), "\(name): the name is not escaped in its attribute")
                #expect(page.text.contains("You are <b>\(HTML.escape(name))</b>"), "\(name)")
                #expect(occurrences(of: "<script", in: page.text) == scripts, "\(name) added or removed a script element")
                #expect(occurrences(of: "LivePage.start(", in: page.text) == 1, "\(name) changed how the page starts")
                if name.contains("<") { #expect(!page.text.contains(name), "\(name) is in the page unescaped") }
            }
            let board = try server.request("GET", "/board", headers: [("Host", #"x"><b>injected<b>"#)])
            #expect(board.status == 200, "\(board)")
            #expect(!board.text.contains("<b>injected"), "the Host header reached the board unescaped")
        }
    }

    /// Regression: the demo filled its template one placeholder at a time, in dictionary
    /// order, so a name `{{LIVEPAGE}}` filled in before the script tags was filled again
    /// with them, inside `data-me="..."`, in about half the server processes. Several
    /// processes are asked, since each orders its dictionaries by its own random seed.
    @Test func aNameThatLooksLikeATemplatePlaceholderStaysText() async throws {
        for _ in 0..<4 {
            try await withServer { server in
                for name in ["{{LIVEPAGE}}", "{{NAME}}", "{{ORIGIN}}{{PREFIX}}", "{{", "}}{{NAME"] {
                    let page = try server.request("GET", "/?name=\(formEncoded(name))")
                    #expect(page.status == 200, "\(name): \(page)")
                    #expect(page.text.contains(#"<body data-me="\#(name)">"#), "\(name) is not the attribute's text")
                    #expect(page.text.contains("You are <b>\(name)</b>"), "\(name)")
                    #expect(occurrences(of: "LivePage.start(", in: page.text) == 1, "\(name) changed how the page starts")
                }
            }
        }
    }

    @Test func theDemoChatEscapesTheSendersNameAndText() async throws {
        try await withServer { server in
            let name = "<img src=x onerror=alert(1)>"
            let page = try server.request("GET", "/?name=\(formEncoded(name))")
            let mallory = try ReadmeExampleTests.clientID(inPage: page.text)
            let reader = try server.registerClient(at: "/", principal: "alice")
            let sent = try server.input(mallory, form: "verb=append&id=target&html=\(formEncoded("<script>alert(2)</script>"))")
            #expect(sent.status == 200, "\(sent)")
            let message = try #require(try server.events(reader).last)
            #expect(message.string("html") == "<p><b>&lt;img src=x onerror=alert(1)&gt;</b>: &lt;script&gt;alert(2)&lt;/script&gt;</p>")
            #expect(message.string("from") == name)
        }
    }

    @Test func elementIdsThatCouldBeMarkupOrSelectorsAreRefused() async throws {
        let ids = [
            #"x" onmouseover="alert(1)"#, "<b>", "a b", "#log", "log)", "' or 1=1", "log;", "log/", "-log", "1log", "_log", "",
            String(repeating: "a", count: 129), "l\u{043E}g",  // CYRILLIC SMALL LETTER O
        ]
        try await withServer { server in
            let sender = try server.registerClient(at: "/forum")
            for id in ids {
                expectError(try server.input(sender, form: "verb=append&id=\(formEncoded(id))&html=x"), 400, mentioning: ["id"])
                expectError(try server.input(sender, json: attackJSON(["verb": "append", "id": .string(id), "html": "x"])), 400, mentioning: ["id"])
            }
            #expect(try server.input(sender, form: "verb=append&id=\(String(repeating: "a", count: 128))&html=x").status == 200)
        }
    }

    @Test func inputCannotSendWhatOnlyTheServerOrAPublisherSends() async throws {
        try await withServer { server in
            let mallory = try server.registerClient(at: "/forum", principal: "mallory")
            let reader = try server.registerClient(at: "/forum", principal: "alice", presence: "list")
            let refused: [JSONObject] = [
                ["verb": "presence", "location": "/forum", "principals": ["admin", "<img src=x onerror=alert(1)>"], "count": 2, "anonymous": 0],
                ["verb": "confetti", "html": "<img src=x onerror=alert(1)>"],
                ["verb": "update", "id": "log", "html": "<b>x</b>"],
                ["verb": "replace", "id": "log", "html": "<b>x</b>"],
                ["verb": "before", "id": "log", "html": "<b>x</b>"],
                ["verb": "text", "id": "log", "text": "x"],
                ["verb": "attribute", "id": "log", "name": "onclick", "value": "alert(1)"],
                ["verb": "attribute", "id": "log", "name": "href", "value": "javascript:alert(1)"],
                ["verb": "Append", "id": "log", "html": "x"],
                ["verb": "append ", "id": "log", "html": "x"],
                ["verb": "\u{212A}", "id": "log", "html": "x"],
            ]
            for fields in refused {
                let response = try server.input(mallory, json: attackJSON(fields))
                expectError(response, 400, hiding: [mallory, reader])
            }
            let events = try server.events(reader)
            #expect(events.count == 1 && events[0].strings("principals") == ["alice", "mallory"], "only the server's presence state: \(events)")
        }
    }
}
