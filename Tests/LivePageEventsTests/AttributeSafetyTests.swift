import LivePageEvents
import Testing

/// An `attribute` event from page input, once the application allows the verb: it may
/// never let one visitor run script in another's page (PROTOCOL.md, "What input may do").
@Suite(.timeLimit(.minutes(1)))
struct AttributeSafetyTests {
    let registry: EventRegistry

    init() throws {
        registry = EventRegistry()
        try registry.setInputPermission(.allowed, for: "attribute")
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
            let error = #expect(throws: EventError.self, "\(name)=\(url)") { try attribute(name: name, value: url) }
            #expect(error?.field == "value")
        }
    }

    @Test(arguments: [
        "http://example.com/", "https://example.com/a?b#c", "HTTPS://EXAMPLE.COM", "/chat/lobby", "page.html",
        "../up", "?q=1", "#top", "//example.com/x", "", "a/b:c", "./javascript:x",
    ])
    func acceptsAnHTTPOrRelativeURL(url: String) throws {
        let event = try attribute(name: "href", value: url)
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

    private func attribute(name: String, value: String?) throws -> any Event {
        try registry.event(fromInput: EventFields(json: ["verb": "attribute", "id": "box", "name": .string(name), "value": value.map { .string($0) } ?? .null]))
    }
}
