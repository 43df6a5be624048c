import LivePageEvents
import Testing

/// The registry: fields to events by verb, its errors, HTML escaping of input, the
/// publisher path, and what input may use.
@Suite(.timeLimit(.minutes(1)))
struct EventRegistryTests {
    @Test func registersTheBuiltInVerbs() {
        #expect(
            EventRegistry().verbs == [
                "addClass", "after", "append", "attribute", "before", "morph", "prepend", "refresh", "remove", "removeClass",
                "replace", "text", "toggleClass", "update",
            ]
        )
        #expect(EventRegistry.empty().verbs == [])
    }

    @Test func buildsABuiltInEventFromAForm() throws {
        let event = try EventRegistry().event(fromInput: form(["verb": "append", "id": "target", "html": "42"]))
        #expect(event.textForm == "append target\n42")
        #expect(event as? Append == Append(id: "target", html: "42"))
    }

    @Test func buildsABuiltInEventFromJSON() throws {
        let fields = try EventFields(json: ["verb": "prepend", "id": "log", "html": "hi", "extra": 1])
        let event = try EventRegistry().event(fromInput: fields)
        #expect(event.json == ["verb": "prepend", "id": "log", "html": "hi"])
    }

    // MARK: Errors

    @Test func anUnknownVerbIsAnErrorNamingTheVerb() {
        let error = #expect(throws: EventError.unknownVerb("explode")) {
            try EventRegistry().event(fromInput: form(["verb": "explode", "id": "x"]))
        }
        #expect(error?.verb == "explode")
        #expect(error?.description == "The verb 'explode' is not registered.")
    }

    /// Swift's `String` equality is canonical equivalence: U+212A KELVIN SIGN equals "K".
    /// Input naming a verb must match a registered one byte for byte.
    @Test func anInputVerbEquivalentButNotIdenticalToARegisteredOneIsUnknown() throws {
        let registry = EventRegistry()
        registry.register("Kick", input: .allowed) { _ throws(EventError) in CustomEvent(verb: "Kick") }
        #expect(try registry.event(fromInput: form(["verb": "Kick"])).verb == "Kick")
        #expect(throws: EventError.unknownVerb("\u{212A}ick")) {
            try registry.event(fromInput: form(["verb": "\u{212A}ick"]))
        }
    }

    @Test func anEmptyRegistryKnowsNoBuiltInVerb() {
        #expect(throws: EventError.unknownVerb("append")) {
            try EventRegistry.empty().event(fromInput: form(["verb": "append", "id": "x", "html": "y"]))
        }
    }

    @Test(
        arguments: [
            ("append", ["id": "x"], "html"), ("append", ["html": "y"], "id"), ("text", ["id": "x"], "text"),
            ("attribute", ["id": "x", "value": "v"], "name"), ("remove", [:], "id"),
        ] as [(String, [String: String], String)])
    func aMissingFieldIsAnErrorNamingTheField(verb: String, fields: [String: String], missing: String) throws {
        var object: JSONObject = ["verb": .string(verb)]
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) { object[name] = .string(value) }
        let error = #expect(throws: EventError.missingField(missing)) {
            try EventRegistry().event(fromPublisher: try EventFields(json: object))
        }
        #expect(error?.field == missing)
        #expect(error?.description == "The field '\(missing)' is required.")
    }

    @Test func anIllTypedFieldIsAnErrorNamingTheField() throws {
        let fields = try EventFields(json: ["verb": "append", "id": "target", "html": 42])
        let error = #expect(throws: EventError.self) { try EventRegistry().event(fromInput: fields) }
        #expect(error?.field == "html")
        #expect(error?.description == "The field 'html' must be a string, not number.")
    }

    @Test(arguments: ["", "1x", "a b", "<script>", "#x"])
    func anInvalidElementIDIsAnErrorNamingTheField(id: String) {
        let error = #expect(throws: EventError.self) {
            try EventRegistry().event(fromInput: form(["verb": "append", "id": id, "html": "y"]))
        }
        #expect(error?.field == "id")
    }

    @Test func aMissingOrIllTypedVerbIsAnError() {
        #expect(throws: EventError.missingVerb) { try EventFields(json: ["id": "x"]) }
        #expect(throws: EventError.missingVerb) { try EventFields(form: [(name: "id", value: "x")]) }
        let error = #expect(throws: EventError.self) { try EventFields(json: ["verb": ["append"]]) }
        #expect(error?.field == "verb")
    }

    @Test func aRepeatedFormFieldIsAnError() {
        let error = #expect(throws: EventError.repeatedField("html")) {
            try EventFields(form: [("verb", "append"), ("id", "x"), ("html", "a"), ("html", "b")])
        }
        #expect(error?.field == "html")
        #expect(throws: EventError.repeatedField("verb")) {
            try EventFields(form: [("verb", "append"), ("verb", "update")])
        }
    }

    @Test func errorMessagesClipLongNames() {
        let verb = String(repeating: "v", count: 500)
        let error = #expect(throws: EventError.self) { try EventRegistry().event(fromInput: form(["verb": verb])) }
        #expect(error?.verb == verb)
        #expect((error?.description.count ?? 0) < 120)
    }

    // MARK: HTML from input

    @Test func escapesHTMLFromInput() throws {
        let event = try EventRegistry().event(fromInput: form(["verb": "append", "id": "chat", "html": "<img src=x onerror=alert(1)>"]))
        #expect(event.textForm == "append chat\n&lt;img src=x onerror=alert(1)&gt;")
    }

    @Test func escapesEveryHTMLSpecialCharacterOnce() throws {
        let event = try EventRegistry().event(fromInput: form(["verb": "prepend", "id": "chat", "html": #"a&b<c>d"e'f &amp;"#]))
        #expect(event.json["html"] == "a&amp;b&lt;c&gt;d&quot;e&#39;f &amp;amp;")
        #expect(HTML.escape("plain é") == "plain é")
    }

    @Test func doesNotEscapeHTMLOfATrustedVerb() throws {
        let registry = EventRegistry()
        registry.register("rich", trusted: true, input: .allowed) { fields throws(EventError) in
            Append(id: try fields.elementID(), html: try fields.html())
        }
        let event = try registry.event(fromInput: form(["verb": "rich", "id": "post", "html": "<b>bold</b>"]))
        #expect(event.textForm == "append post\n<b>bold</b>")
    }

    @Test func trustingAFormDoesNotTrustItsHTMLFromInput() throws {
        let fields = try EventFields(form: [("verb", "append"), ("id", "x"), ("html", "<b>")], isTrusted: true)
        #expect(try EventRegistry().event(fromInput: fields).textForm == "append x\n&lt;b&gt;")
    }

    // MARK: The publisher path

    @Test func aPublisherIsTrusted() throws {
        let event = try EventRegistry().event(fromPublisher: EventFields(json: ["verb": "update", "id": "count", "html": "<b>5</b>"]))
        #expect(event.textForm == "update count\n<b>5</b>")
    }

    @Test func aPublisherMayUseVerbsInputMayNot() throws {
        for verb in ["update", "replace", "before", "after"] {
            let event = try EventRegistry().event(fromPublisher: EventFields(json: ["verb": .string(verb), "id": "x", "html": "<i>"]))
            #expect(event.textForm == "\(verb) x\n<i>")
        }
        let attribute = try EventRegistry().event(fromPublisher: EventFields(json: ["verb": "attribute", "id": "x", "name": "onclick", "value": "go()"]))
        #expect(attribute.textForm == "attribute x\nonclick=go()")
    }

    @Test func aPublisherStillHasItsFieldsChecked() throws {
        let error = #expect(throws: EventError.self) {
            try EventRegistry().event(fromPublisher: EventFields(json: ["verb": "update", "id": "no such id", "html": ""]))
        }
        #expect(error?.field == "id")
    }

    @Test func anUnknownVerbFromAPublisherBecomesACustomEventWithItsFieldsUnchanged() throws {
        let object = try JSONValue(parsing: #"{"verb":"scoreboard","home":12345678901234567890,"teams":{"b":1,"a":[null]},"html":"<b>"}"#)
        let event = try EventRegistry().event(fromPublisher: EventFields(json: object.objectValue!))
        let custom = try #require(event as? CustomEvent)
        #expect(custom.verb == "scoreboard")
        #expect(
            String(decoding: custom.json.jsonBytes(), as: UTF8.self)
                == #"{"verb":"scoreboard","home":12345678901234567890,"teams":{"b":1,"a":[null]},"html":"\u003cb\u003e"}"#
        )
    }

    @Test func aPublisherMayNotSendPresence() {
        let error = #expect(throws: EventError.self) {
            try EventRegistry().event(fromPublisher: EventFields(json: ["verb": "presence", "location": "/x", "count": 0]))
        }
        #expect(error?.field == "verb")
    }

    @Test(arguments: ["", "1up", "a b", "<x>", String(repeating: "v", count: 65)])
    func aPublisherMayNotUseAnInvalidVerbName(verb: String) {
        let error = #expect(throws: EventError.self) {
            try EventRegistry().event(fromPublisher: EventFields(json: ["verb": .string(verb)]))
        }
        #expect(error?.field == "verb")
        #expect(!EventRegistry.isValidVerb(verb))
    }

    // MARK: What input may use

    @Test func inputMayUseAppendAndPrepend() throws {
        let registry = EventRegistry()
        for verb in ["append", "prepend"] {
            #expect(try registry.event(fromInput: form(["verb": verb, "id": "x", "html": "y"])).verb == verb)
        }
    }

    @Test(arguments: ["update", "replace", "before", "after", "remove", "text", "attribute", "morph", "addClass", "removeClass", "toggleClass"])
    func inputMayNotUseOtherVerbsByDefault(verb: String) {
        let error = #expect(throws: EventError.verbNotAllowedFromInput(verb)) {
            try EventRegistry().event(fromInput: form(["verb": verb, "id": "x", "html": "y", "text": "t", "name": "title", "value": "v", "class": "c"]))
        }
        #expect(error?.verb == verb)
        #expect(error?.description == "The verb '\(verb)' is not allowed from page input; the application must allow it.")
    }

    @Test func inputMayUseAVerbTheApplicationAllows() throws {
        let registry = EventRegistry()
        try registry.setInputPermission(.allowed, for: "text")
        #expect(try registry.event(fromInput: form(["verb": "text", "id": "status", "text": "<away>"])).textForm == "text status\n<away>")
        try registry.setInputPermission(.denied, for: "text")
        #expect(throws: EventError.verbNotAllowedFromInput("text")) {
            try registry.event(fromInput: form(["verb": "text", "id": "status", "text": "x"]))
        }
    }

    @Test func inputMayUseAVerbOnlyForTheAllowedElements() throws {
        let registry = EventRegistry()
        try registry.setInputPermission(.allowed(elementIDs: ["topic", "status"]), for: "update")
        #expect(try registry.event(fromInput: form(["verb": "update", "id": "topic", "html": "<b>"])).textForm == "update topic\n&lt;b&gt;")
        let error = #expect(throws: EventError.elementNotAllowedFromInput(verb: "update", id: "header")) {
            try registry.event(fromInput: form(["verb": "update", "id": "header", "html": "x"]))
        }
        #expect(error?.field == "id")
        #expect(error?.verb == "update")
        #expect(throws: EventError.missingField("id")) { try registry.event(fromInput: form(["verb": "update", "html": "x"])) }
    }

    @Test func allowingAnUnregisteredVerbIsAnError() {
        #expect(throws: EventError.unknownVerb("dance")) { try EventRegistry().setInputPermission(.allowed, for: "dance") }
    }

    @Test func presenceIsNotAVerbInputMayUse() {
        #expect(throws: EventError.unknownVerb("presence")) {
            try EventRegistry().event(fromInput: form(["verb": "presence", "location": "/x"]))
        }
    }

    // MARK: Application verbs

    /// An application's own event type, as a chat might declare it.
    struct Typing: Event, Hashable {
        var who: String
        var verb: String { "typing" }
        var fields: JSONObject { ["who": .string(who)] }
    }

    @Test func anApplicationRegistersAVerbWithItsOwnEventType() throws {
        let registry = EventRegistry()
        registry.register("typing", input: .allowed) { fields throws(EventError) in Typing(who: try fields.string("who")) }
        #expect(registry.verbs.contains("typing"))
        let event = try registry.event(fromInput: form(["verb": "typing", "who": "<uwe>"]))
        #expect(event as? Typing == Typing(who: "<uwe>"))
        #expect(event.json == ["verb": "typing", "who": "<uwe>"])
        #expect(event.textForm == "typing\n" + #"{"who":"\u003cuwe\u003e"}"#)
        #expect(throws: EventError.missingField("who")) { try registry.event(fromInput: form(["verb": "typing"])) }
    }

    @Test func anApplicationVerbIsDeniedToInputUnlessAllowed() throws {
        let registry = EventRegistry()
        registry.register("typing") { fields throws(EventError) in Typing(who: try fields.string("who")) }
        #expect(throws: EventError.verbNotAllowedFromInput("typing")) {
            try registry.event(fromInput: form(["verb": "typing", "who": "uwe"]))
        }
        #expect(try registry.event(fromPublisher: EventFields(json: ["verb": "typing", "who": "uwe"])) is Typing)
    }

    @Test func anApplicationMayReplaceABuiltInVerb() throws {
        let registry = EventRegistry()
        registry.register("append", input: .allowed) { fields throws(EventError) in
            Append(id: try fields.elementID(), html: "<li>" + (try fields.html()) + "</li>")
        }
        #expect(try registry.event(fromInput: form(["verb": "append", "id": "log", "html": "<x>"])).textForm == "append log\n<li>&lt;x&gt;</li>")
    }

    @Test func aFactoryErrorReachesTheCaller() {
        let registry = EventRegistry()
        registry.register("vote", input: .allowed) { fields throws(EventError) in
            let choice = try fields.string("choice")
            guard ["yes", "no"].contains(choice) else { throw .invalidField("choice", reason: "must be yes or no") }
            return CustomEvent(verb: "vote", fields: ["choice": .string(choice)])
        }
        let error = #expect(throws: EventError.self) { try registry.event(fromInput: form(["verb": "vote", "choice": "maybe"])) }
        #expect(error?.description == "The field 'choice' must be yes or no.")
    }

    /// Form fields, in the order given (a dictionary literal keeps its order here).
    private func form(_ fields: KeyValuePairs<String, String>) throws -> EventFields {
        try EventFields(form: fields.map { (name: $0.key, value: $0.value) })
    }
}
