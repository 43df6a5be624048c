import LivePageEvents
import Testing

/// An `attribute` event from page input, once the application allows the verb: it may
/// never let one visitor run script in another's page (PROTOCOL.md, "What input may do"),
/// and sets the attributes that load or run something only where the application names
/// them (issue 11, finding 4).
@Suite(.timeLimit(.minutes(1)))
struct AttributeSafetyTests {
    /// `attribute` allowed from input, with no attribute named.
    let registry: EventRegistry
    /// `attribute` allowed from input, naming the URL attributes the URL tests use.
    let naming: EventRegistry

    init() throws {
        registry = EventRegistry()
        try registry.setInputPermission(.allowed, for: "attribute")
        naming = EventRegistry()
        try naming.setInputPermission(.allowed(attributes: ["href", "src", "action", "xlink:href"]), for: "attribute")
    }

    @Test func setsAPlainAttributeFromInput() throws {
        let event = try attribute(name: "class", value: "highlight")
        #expect(event.json == ["verb": "attribute", "id": "box", "name": "class", "value": "highlight"])
    }

    @Test(arguments: ["onclick", "onerror", "ONLOAD", "onMouseOver", "on", "onanything"])
    func refusesAnEventHandler(name: String) {
        let error = #expect(throws: EventError.self) { try attribute(name: name, value: "alert(1)") }
        #expect(error?.field == "name")
        #expect(error?.description == "The field 'name' cannot be an event handler (on*) from input.")
    }

    @Test(arguments: ["srcdoc", "style", "formaction", "STYLE", "FormAction", "srcset", "sandbox", "allow", "SANDBOX"])
    func refusesAnAttributeThatRunsScriptRestylesOrLiftsIframeLimits(name: String) {
        let error = #expect(throws: EventError.self) { try attribute(name: name, value: "x") }
        #expect(error?.field == "name")
    }

    /// Refused even as removals: a removal of `style` or `onclick` is still not input's
    /// business.
    @Test func refusesTheseNamesEvenWithoutAValue() {
        #expect(throws: EventError.self) { try attribute(name: "onclick", value: nil) }
        #expect(throws: EventError.self) { try attribute(name: "style", value: nil) }
    }

    @Test(arguments: [
        "javascript:alert(1)", "JavaScript:alert(1)", "JAVASCRIPT:alert(1)", "java\tscript:alert(1)",
        "java\nscript:alert(1)", "java\rscript:alert(1)", " javascript:alert(1)", "\u{1}javascript:alert(1)",
        "\t\njavascript:alert(1)", "data:text/html,<script>alert(1)</script>", "DATA:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)", "file:///etc/passwd", "blob:https://x/1", "ftp://x", "mailto:a@b",
    ])
    func refusesAURLThatIsNotHTTPOrRelative(url: String) {
        for name in ["href", "src", "action", "xlink:href", "poster", "HREF"] {
            let error = #expect(throws: EventError.self, "\(name)=\(url)") { try attribute(name: name, value: url, in: naming) }
            #expect(error?.field == "value")
        }
    }

    @Test(arguments: [
        "http://example.com/", "https://example.com/a?b#c", "HTTPS://EXAMPLE.COM", "/chat/lobby", "page.html",
        "../up", "?q=1", "#top", "//example.com/x", "", "a/b:c", "./javascript:x",
    ])
    func acceptsAnHTTPOrRelativeURL(url: String) throws {
        let event = try attribute(name: "href", value: url, in: naming)
        #expect(event.json["value"] == .string(url))
    }

    @Test func aURLOnlyMattersForURLAttributes() throws {
        let event = try attribute(name: "title", value: "javascript:alert(1)")
        #expect(event.textForm == "attribute box\ntitle=javascript:alert(1)")
    }

    @Test func anEmptyValueFromAFormRemovesTheAttribute() throws {
        let event = try registry.event(fromInput: EventFields(form: [("verb", "attribute"), ("id", "box"), ("name", "title"), ("value", "")]))
        #expect(event.json == ["verb": "attribute", "id": "box", "name": "title", "value": .null])
        #expect(event.textForm == "attribute box\ntitle=")
    }

    @Test func anEmptyValueFromJSONIsKeptButNullRemoves() throws {
        #expect(try attribute(name: "title", value: "").json["value"] == "")
        #expect(try attribute(name: "title", value: nil).json["value"] == .null)
        let absent = try registry.event(fromInput: EventFields(json: ["verb": "attribute", "id": "box", "name": "title"]))
        #expect(absent.json["value"] == .null)
    }

    @Test func anIllTypedValueIsAnErrorNamingIt() throws {
        let fields = try EventFields(json: ["verb": "attribute", "id": "box", "name": "title", "value": 3])
        let error = #expect(throws: EventError.self) { try registry.event(fromInput: fields) }
        #expect(error?.field == "value")
    }

    @Test(arguments: ["", "1a", "a b", "a=b", "a\"", "<a>", "a/b", String(repeating: "a", count: 129)])
    func refusesAnInvalidAttributeName(name: String) {
        let error = #expect(throws: EventError.self) { try attribute(name: name, value: "x") }
        #expect(error?.field == "name")
    }

    @Test func aTrustedPublisherMaySetAnything() throws {
        let event = try registry.event(fromPublisher: EventFields(json: ["verb": "attribute", "id": "f", "name": "href", "value": "javascript:void(0)"]))
        #expect(event.textForm == "attribute f\nhref=javascript:void(0)")
    }

    // MARK: Attributes input sets only where the application names them

    /// The attack of issue 11: a JSON data block made a module script, a meta made a
    /// refresh, with nothing more than `attribute` allowed from input.
    @Test func regressionDataBlockTypeAndSrcAndMetaRefreshAreRefusedByDefault() {
        let attacks: [(id: String, name: String, value: String)] = [
            ("state", "type", "module"), ("state", "src", "https://evil.example/x.js"),
            ("refresh", "http-equiv", "refresh"), ("refresh", "content", "0;url=https://evil.example/"),
            ("preload", "imagesrcset", "https://evil.example/x.png 1x"),
        ]
        for (id, name, value) in attacks {
            #expect(throws: EventError.attributeNotAllowedFromInput(name), "\(name)=\(value)") {
                try registry.event(fromInput: EventFields(json: ["verb": "attribute", "id": .string(id), "name": .string(name), "value": .string(value)]))
            }
        }
    }

    @Test(arguments: [
        "type", "src", "href", "xlink:href", "data", "srcset", "imagesrcset", "http-equiv", "content", "action",
        "formaction", "style", "TYPE", "Http-Equiv", "ImageSrcSet", "XLINK:HREF",
    ])
    func refusesAGuardedAttributeTheApplicationDidNotName(name: String) {
        for value in ["https://example.com/", nil] as [String?] {
            let error = #expect(throws: EventError.self, "\(name)=\(value ?? "nil")") { try attribute(name: name, value: value) }
            #expect(error == .attributeNotAllowedFromInput(name.lowercased()))
            #expect(error?.field == "name")
            #expect(error?.description == "The attribute '\(name.lowercased())' is not allowed from page input unless the application allows it by name.")
        }
    }

    @Test func setsAGuardedAttributeTheApplicationNamedAndNoOther() throws {
        let registry = EventRegistry()
        let permission = InputPermission.allowed(attributes: ["TYPE", "content", "style"])
        #expect(permission.attributeNames == ["type", "content", "style"])
        try registry.setInputPermission(permission, for: "attribute")
        for (name, value) in [("type", "module"), ("Type", "text/plain"), ("content", "0;url=/"), ("style", "color: red"), ("title", "t")] {
            #expect(try attribute(name: name, value: value, in: registry).textForm == "attribute box\n\(name)=\(value)")
        }
        for name in ["src", "http-equiv", "href"] {
            #expect(throws: EventError.attributeNotAllowedFromInput(name)) { try attribute(name: name, value: "/x", in: registry) }
        }
    }

    @Test func aNamedURLAttributeStillTakesOnlyAnHTTPOrRelativeURL() throws {
        let registry = EventRegistry()
        try registry.setInputPermission(.allowed(attributes: ["src", "formaction", "data"]), for: "attribute")
        for name in ["src", "formaction", "data"] {
            let error = #expect(throws: EventError.self) { try attribute(name: name, value: "javascript:alert(1)", in: registry) }
            #expect(error?.field == "value")
            #expect(try attribute(name: name, value: "/ok", in: registry).json["value"] == "/ok")
        }
    }

    @Test func namingAttributesKeepsTheElementLimit() throws {
        let registry = EventRegistry()
        try registry.setInputPermission(.allowed(elementIDs: ["avatar"], attributes: ["src"]), for: "attribute")
        let fields = { (id: String) throws(EventError) in
            try EventFields(json: ["verb": "attribute", "id": .string(id), "name": "src", "value": "/me.png"])
        }
        #expect(try registry.event(fromInput: fields("avatar")).textForm == "attribute avatar\nsrc=/me.png")
        #expect(throws: EventError.elementNotAllowedFromInput(verb: "attribute", id: "box")) { try registry.event(fromInput: fields("box")) }
    }

    /// The check is made on the event the factory returns, so an application's own verb
    /// that makes an `Attribute` from input is held to the same rules, with the names its
    /// own permission allows.
    @Test func anApplicationsVerbThatMakesAnAttributeIsCheckedWithItsOwnPermission() throws {
        let registry = EventRegistry()
        registry.register("avatar", input: .allowed) { fields throws(EventError) in
            Attribute(id: "me", name: try fields.string("which"), value: try fields.string("url"))
        }
        let fields = { (which: String, url: String) throws(EventError) in
            try EventFields(json: ["verb": "avatar", "which": .string(which), "url": .string(url)])
        }
        #expect(throws: EventError.attributeNotAllowedFromInput("src")) { try registry.event(fromInput: fields("src", "/me.png")) }
        let handler = #expect(throws: EventError.self) { try registry.event(fromInput: fields("onload", "alert(1)")) }
        #expect(handler?.field == "name")
        let invalid = #expect(throws: EventError.self) { try registry.event(fromInput: fields("a b", "x")) }
        #expect(invalid?.field == "name")

        try registry.setInputPermission(.allowed(attributes: ["src"]), for: "avatar")
        #expect(try registry.event(fromInput: fields("src", "/me.png")).textForm == "attribute me\nsrc=/me.png")
        #expect(throws: EventError.self) { try registry.event(fromInput: fields("src", "javascript:alert(1)")) }
    }

    @Test func aTrustedVerbAndAPublisherMaySetGuardedAttributes() throws {
        let registry = EventRegistry()
        registry.register("module", trusted: true, input: .allowed) { fields throws(EventError) in
            Attribute(id: "state", name: "type", value: try fields.string("type"))
        }
        #expect(try registry.event(fromInput: EventFields(json: ["verb": "module", "type": "module"])).textForm == "attribute state\ntype=module")
        let published = try registry.event(fromPublisher: EventFields(json: ["verb": "attribute", "id": "state", "name": "src", "value": "/app.js"]))
        #expect(published.textForm == "attribute state\nsrc=/app.js")
    }

    private func attribute(name: String, value: String?, in registry: EventRegistry? = nil) throws -> any Event {
        try (registry ?? self.registry).event(
            fromInput: EventFields(json: ["verb": "attribute", "id": "box", "name": .string(name), "value": value.map { .string($0) } ?? .null]))
    }
}
