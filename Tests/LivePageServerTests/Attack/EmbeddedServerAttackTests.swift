import LivePage
import LivePageEvents
import LivePageHTTP
import LivePageServer
import LivePageTestSupport
import Testing

/// What an application that embeds LivePage may open up, attacked over real sockets
/// against a server in this process (the `livepage-server` command allows no verb beyond
/// `append` and `prepend` from input): an allowed `attribute` still never sets a handler
/// or a script URL, an allowed custom verb gets its HTML escaped unless the application
/// trusts it, input cannot forge `from` or `seq`, and a page rendered with a hostile
/// location and principal starts `livepage.js` without any of it becoming markup.
@Suite(.timeLimit(.minutes(2)))
struct EmbeddedServerAttackTests {
    /// A server in this process on a free port, and requests to it made on threads of
    /// their own (the server's tasks need the cooperative pool a blocked test would hold).
    struct Embedded {
        let server: LivePageServer

        init(pages: (@Sendable (HTTPRequest, LivePageServer) async throws -> HTTPResponse)? = nil) throws {
            var configuration = LivePageServer.Configuration()
            configuration.port = 0
            configuration.eventLoopCount = 1
            configuration.log = { _ in }
            server = try LivePageServer(configuration: configuration, pages: pages)
            try server.start()
        }

        func request(_ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: String = "") async throws
            -> TestHTTPResponse
        {
            let port = server.port
            return try await BlockingThread.run {
                try TestHTTPClient(port: port).request(TestHTTPRequest(method, path, headers: headers, body: body))
            }
        }

        /// Input from `id` with the JSON of `fields`.
        func input(_ id: String, _ fields: JSONObject) async throws -> TestHTTPResponse {
            try await request("POST", "/livepage/clients/\(id)/input", headers: [("Content-Type", "application/json")], body: attackJSON(fields))
        }

        /// The events waiting for `id` above `after`.
        func events(_ id: String, after: Int = 0) async throws -> [JSONObject] {
            let response = try await request("GET", "/livepage/clients/\(id)/output?after=\(after)")
            try #require(response.status == 200, "\(response)")
            return try response.events()
        }

        /// Registers a client directly with the manager, as a page render would.
        func client(at location: String, principal: String?) throws -> String {
            try server.manager.register(at: location, principal: principal).client.id.description
        }
    }

    /// Attributes input may not set, and the field the refusal names.
    static let refusedAttributes: [(name: String, value: String, field: String)] = [
        ("onclick", "alert(1)", "name"), ("ONCLICK", "alert(1)", "name"), ("onMouseOver", "alert(1)", "name"),
        ("onerror", "alert(1)", "name"), ("onfocus", "alert(1)", "name"), ("style", "background:url(javascript:alert(1))", "style"),
        ("srcdoc", "<script>alert(1)</script>", "name"), ("formaction", "javascript:alert(1)", "formaction"),
        ("FormAction", "https://evil.example", "formaction"), ("srcset", "https://evil.example/x.png 1x", "srcset"), ("sandbox", "", "name"),
        ("allow", "camera", "name"), ("x onclick", "alert(1)", "name"), ("'onclick'", "alert(1)", "name"), ("", "x", "name"),
        ("href", "javascript:alert(1)", "value"), ("href", "JavaScript:alert(1)", "value"), ("href", " javascript:alert(1)", "value"),
        ("href", "\u{0}javascript:alert(1)", "value"), ("href", "java\tscript:alert(1)", "value"), ("href", "java\nscript:alert(1)", "value"),
        ("href", "javascript\r:alert(1)", "value"), ("href", "data:text/html,<script>alert(1)</script>", "value"),
        ("href", "vbscript:msgbox(1)", "value"), ("src", "javascript:alert(1)", "value"), ("action", "javascript:alert(1)", "value"),
        ("xlink:href", "javascript:alert(1)", "value"), ("XLINK:HREF", "javascript:alert(1)", "value"),
        ("poster", "javascript:alert(1)", "value"), ("data", "data:text/html,x", "value"), ("ping", "javascript:x", "value"),
        ("background", "javascript:alert(1)", "value"),
    ]

    /// Attributes input may set, once the application names the URL attributes among them.
    /// `setAttribute` decodes no character references, so `jav&#x09;ascript:` is a
    /// relative URL (a path and a fragment), not a script.
    static let allowedAttributes: [(name: String, value: String)] = [
        ("title", "<b>shown as text</b>"), ("class", "a b"), ("href", "https://example.com/?q=javascript:alert(1)"),
        ("href", "/relative"), ("href", "#top"), ("href", "?q=1"), ("href", "javascript%3Aalert(1)"), ("href", "jav&#x09;ascript:alert(1)"),
        ("src", "http://example.com/a.png"), ("data-note", "javascript:alert(1)"), ("aria-label", "\"><script>alert(1)</script>"),
    ]

    @Test func anAllowedAttributeVerbNeverSetsAHandlerOrAScriptURL() async throws {
        let embedded = try Embedded()
        try embedded.server.registry.setInputPermission(.allowed(attributes: Self.urlAttributesNamed), for: Attribute.verb)
        let mallory = try embedded.client(at: "/room", principal: "mallory")
        let reader = try embedded.client(at: "/room", principal: "alice")
        for (name, value, field) in Self.refusedAttributes {
            let response = try await embedded.input(mallory, ["verb": "attribute", "id": "profile", "name": .string(name), "value": .string(value)])
            #expect(response.status == 400, "\(name)=\(value.debugDescription): \(response)")
            expectError(response, 400, mentioning: [field])
            let form = try await embedded.request(
                "POST", "/livepage/clients/\(mallory)/input", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: "verb=attribute&id=profile&name=\(formEncoded(name))&value=\(formEncoded(value))")
            #expect(form.status == 400, "form \(name)=\(value.debugDescription): \(form)")
        }
        for (name, value) in Self.allowedAttributes {
            let response = try await embedded.input(mallory, ["verb": "attribute", "id": "profile", "name": .string(name), "value": .string(value)])
            #expect(response.status == 200, "\(name)=\(value.debugDescription): \(response)")
        }
        let events = try await embedded.events(reader)
        #expect(events.map { "\($0.string("name") ?? "")=\($0.string("value") ?? "")" } == Self.allowedAttributes.map { "\($0.name)=\($0.value)" })
        await embedded.server.shutDown()
    }

    /// The guarded URL attributes the test above allows by name, so that their values are
    /// what is checked.
    static let urlAttributesNamed: Set<String> = ["href", "src", "action", "xlink:href", "data"]

    /// Issue 11, finding 4: `type=module` then `src` turned a JSON data block into a
    /// script, and `http-equiv`/`content` made a meta refresh, with `attribute` allowed.
    @Test func aGuardedAttributeIsRefusedNamingItUnlessTheApplicationNamesIt() async throws {
        let embedded = try Embedded()
        let registry = embedded.server.registry
        try registry.setInputPermission(.allowed, for: Attribute.verb)
        let mallory = try embedded.client(at: "/room", principal: "mallory")
        let reader = try embedded.client(at: "/room", principal: "alice")
        let attacks: [(id: String, name: String, value: String)] = [
            ("state", "type", "module"), ("state", "src", "https://evil.example/x.js"), ("state", "SRC", "/x.js"),
            ("refresh", "http-equiv", "refresh"), ("refresh", "content", "0;url=https://evil.example"),
            ("preload", "imagesrcset", "https://evil.example/x.png 1x"), ("link", "href", "https://evil.example"),
        ]
        for (id, name, value) in attacks {
            let response = try await embedded.input(mallory, ["verb": "attribute", "id": .string(id), "name": .string(name), "value": .string(value)])
            expectError(response, 400, mentioning: ["'\(name.lowercased())'"], hiding: [mallory, reader])
        }
        try registry.setInputPermission(.allowed(elementIDs: ["state"], attributes: ["TYPE"]), for: Attribute.verb)
        let allowed = try await embedded.input(mallory, ["verb": "attribute", "id": "state", "name": "type", "value": "module"])
        #expect(allowed.status == 200, "\(allowed)")
        expectError(try await embedded.input(mallory, ["verb": "attribute", "id": "state", "name": "src", "value": "/x.js"]), 400, mentioning: ["'src'"])
        expectError(try await embedded.input(mallory, ["verb": "attribute", "id": "other", "name": "type", "value": "module"]), 400, mentioning: ["other"])
        let events = try await embedded.events(reader)
        #expect(events.map { "\($0.string("name") ?? "")=\($0.string("value") ?? "")" } == ["type=module"])
        #expect(events.first?.string("from") == "mallory")
        await embedded.server.shutDown()
    }

    @Test func anApplicationsOwnVerbsGetEscapedHTMLUnlessTrustedAndCannotForgeFromOrSeq() async throws {
        let embedded = try Embedded()
        let registry = embedded.server.registry
        registry.register("shout", input: .allowed) { fields throws(EventError) in
            Append(id: "log", html: "<b>\(try fields.html())</b>")
        }
        registry.register("note", trusted: true, input: .allowed) { fields throws(EventError) in
            Append(id: "log", html: try fields.html())
        }
        registry.register("move", input: .allowed) { fields throws(EventError) in
            CustomEvent(verb: "move", fields: fields.values)
        }
        try registry.setInputPermission(.allowed(elementIDs: [try ElementID(validating: "status")]), for: Update.verb)
        let mallory = try embedded.client(at: "/game", principal: "mallory")
        let reader = try embedded.client(at: "/game", principal: "alice")
        let attack = "<img src=x onerror=alert(1)>"
        let sent: [JSONObject] = [
            ["verb": "shout", "html": .string(attack)],
            ["verb": "note", "html": .string(attack)],
            ["verb": "move", "square": .string(attack), "from": "admin", "seq": 999, "verb2": "presence"],
            ["verb": "update", "id": "status", "html": .string(attack)],
        ]
        for fields in sent {
            let response = try await embedded.input(mallory, fields)
            #expect(response.status == 200, "\(fields): \(response)")
        }
        let elsewhere = try await embedded.input(mallory, ["verb": "update", "id": "admin-panel", "html": "x"])
        expectError(elsewhere, 400, mentioning: ["admin-panel"])

        let events = try await embedded.events(reader)
        try #require(events.count == 4, "\(events)")
        #expect(events[0].string("html") == "<b>&lt;img src=x onerror=alert(1)&gt;</b>", "an untrusted verb's HTML is escaped")
        #expect(events[1].string("html") == attack, "a verb the application trusts passes HTML as it is: its factory must check it")
        #expect(events[2].string("square") == attack, "a custom event's fields are data for the page's handler")
        #expect(events[2].string("from") == "mallory" && events[2].int("seq") == 3, "from and seq are the server's: \(events[2])")
        #expect(events[3].string("html") == "&lt;img src=x onerror=alert(1)&gt;")
        #expect(seqs(events) == [1, 2, 3, 4])
        await embedded.server.shutDown()
    }

    @Test func aPageRenderedWithAHostileLocationAndPrincipalStartsWithoutMarkupFromThem() async throws {
        let location = "/</script><script>alert(1)</script>\u{2028}<!--"
        let embedded = try Embedded { _, server in
            let page = try server.openPage(at: location, principal: "\"><img src=x onerror=alert(1)>", presence: .list)
            var headers = PageSession.headers
            headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
            return HTTPResponse(status: .ok, headers: headers, body: Array("<!doctype html><body>\(page.scriptTags)</body>".utf8))
        }
        let page = try await embedded.request("GET", "/page")
        #expect(page.status == 200, "\(page)")
        #expect(page.header("Cache-Control") == "no-store, private")
        #expect(occurrences(of: "<script", in: page.text) == 2, "\(page.text)")
        #expect(occurrences(of: "</script>", in: page.text) == 2, "\(page.text)")
        #expect(!page.text.contains("<!--") && !page.text.contains("\u{2028}") && !page.text.contains("<img"), "\(page.text)")
        #expect(page.text.contains(#"\u003c/script\u003e"#), "\(page.text)")
        #expect(embedded.server.manager.online(at: location).principals == ["\"><img src=x onerror=alert(1)>"])
        await embedded.server.shutDown()
    }
}
