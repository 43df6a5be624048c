import LivePageEvents
import Testing

/// The verbs of issue 15: `morph`, the class verbs, `limit` on `append` and `prepend`, and
/// `refresh`: their factories, forms and validation, and what page input may do with them.
@Suite(.timeLimit(.minutes(1)))
struct PageVerbTests {
    // MARK: morph

    @Test func morphHasTheFormsOfTheOtherHTMLVerbs() throws {
        let event = Morph(id: "form", html: "<input name=q>")
        #expect(event.json == ["verb": "morph", "id": "form", "html": "<input name=q>"])
        #expect(event.textForm == "morph form\n<input name=q>")
        let published = try EventRegistry().event(fromPublisher: EventFields(json: ["verb": "morph", "id": "form", "html": "<b>x</b>"]))
        #expect(published as? Morph == Morph(id: "form", html: "<b>x</b>"))
    }

    @Test func morphFromInputIsDeniedUntilAllowedAndThenEscaped() throws {
        let registry = EventRegistry()
        let fields = try form(["verb": "morph", "id": "note", "html": "<img src=x onerror=alert(1)>"])
        #expect(throws: EventError.verbNotAllowedFromInput("morph")) { try registry.event(fromInput: fields) }
        try registry.setInputPermission(.allowed(elementIDs: ["note"]), for: "morph")
        let event = try registry.event(fromInput: fields)
        #expect(event as? Morph == Morph(id: "note", html: "&lt;img src=x onerror=alert(1)&gt;"))
    }

    // MARK: Class verbs

    @Test(arguments: [
        ("addClass", AddClass.self as any ElementClassEvent.Type), ("removeClass", RemoveClass.self), ("toggleClass", ToggleClass.self),
    ])
    func everyClassVerbHasTheSameForms(verb: String, type: any ElementClassEvent.Type) throws {
        let event = try EventRegistry().event(fromPublisher: EventFields(json: ["verb": .string(verb), "id": "row-7", "class": " unread\turgent _x -y "]))
        #expect(type.verb == verb)
        #expect(Swift.type(of: event) == type)
        let classEvent = try #require(event as? any ElementClassEvent)
        #expect(classEvent.classes.names == ["unread", "urgent", "_x", "-y"])
        #expect(event.json == ["verb": .string(verb), "id": "row-7", "class": "unread urgent _x -y"])
        #expect(event.textForm == "\(verb) row-7\nunread urgent _x -y")
        #expect(type.init(id: "a", classes: "b c").json == ["verb": .string(verb), "id": "a", "class": "b c"])
    }

    @Test(arguments: [
        "", "   ", "1st", "a b!", "x\"y", "<script>", "a:b", "a.b", "é", "x\u{0}y", "a\u{A0}b", String(repeating: "c", count: 65),
        (1...17).map { "c\($0)" }.joined(separator: " "),
    ])
    func aHostileOrInvalidClassNameIsRefusedNamingTheField(text: String) {
        let error = #expect(throws: EventError.self) {
            try EventRegistry().event(fromPublisher: EventFields(json: ["verb": "addClass", "id": "x", "class": .string(text)]))
        }
        #expect(error?.field == "class")
        #expect(throws: EventError.self) { try ClassNames(validating: text) }
    }

    @Test func theLongestNameAndTheMostNamesAreAccepted() throws {
        #expect(try ClassNames(validating: String(repeating: "c", count: 64)).names.count == 1)
        #expect(try ClassNames(validating: (1...16).map { "c\($0)" }.joined(separator: " ")).names.count == 16)
    }

    @Test func aMissingOrIllTypedClassFieldIsRefused() throws {
        #expect(throws: EventError.missingField("class")) {
            try EventRegistry().event(fromPublisher: EventFields(json: ["verb": "removeClass", "id": "x"]))
        }
        let error = #expect(throws: EventError.self) {
            try EventRegistry().event(fromPublisher: EventFields(json: ["verb": "toggleClass", "id": "x", "class": ["a"]]))
        }
        #expect(error?.field == "class")
    }

    @Test func classVerbsFromInputAreDeniedUntilAllowedAndStillChecked() throws {
        let registry = EventRegistry()
        #expect(throws: EventError.verbNotAllowedFromInput("toggleClass")) {
            try registry.event(fromInput: form(["verb": "toggleClass", "id": "x", "class": "open"]))
        }
        try registry.setInputPermission(.allowed, for: "toggleClass")
        #expect(
            try registry.event(fromInput: form(["verb": "toggleClass", "id": "x", "class": "open"])) as? ToggleClass
                == ToggleClass(id: "x", classes: "open"))
        let error = #expect(throws: EventError.self) {
            try registry.event(fromInput: form(["verb": "toggleClass", "id": "x", "class": "a\" onclick=\"alert(1)"]))
        }
        #expect(error?.field == "class")
    }

    // MARK: limit

    @Test func appendAndPrependCarryALimitOnlyWhenGiven() throws {
        #expect(Append(id: "log", html: "x", limit: 100).json == ["verb": "append", "id": "log", "html": "x", "limit": 100])
        #expect(Prepend(id: "log", html: "x", limit: 1).json == ["verb": "prepend", "id": "log", "html": "x", "limit": 1])
        #expect(Append(id: "log", html: "x").json.keys == ["verb", "id", "html"])
        #expect(Append(id: "log", html: "x", limit: 5).textForm == "append log\nx")
        let published = try EventRegistry().event(fromPublisher: EventFields(json: ["verb": "prepend", "id": "log", "html": "<p>", "limit": 10000]))
        #expect(published as? Prepend == Prepend(id: "log", html: "<p>", limit: 10_000))
    }

    @Test(arguments: [
        JSONValue.number(JSONNumber(0)), .number(JSONNumber(10_001)), .number(JSONNumber(-1)), .number(JSONNumber(2.5)),
        .string("50"), .bool(true), .array([]),
    ])
    func anInvalidLimitIsRefusedNamingTheField(limit: JSONValue) {
        let error = #expect(throws: EventError.self) {
            try EventRegistry().event(fromPublisher: EventFields(json: ["verb": "append", "id": "log", "html": "x", "limit": limit]))
        }
        #expect(error?.field == "limit")
        #expect(error?.description == "The field 'limit' must be a whole number from 1 to 10000.")
    }

    @Test func aNullLimitIsNoLimit() throws {
        let event = try EventRegistry().event(fromPublisher: EventFields(json: ["verb": "append", "id": "log", "html": "x", "limit": .null]))
        #expect(event as? Append == Append(id: "log", html: "x"))
    }

    /// A visitor's `limit: 1` would remove every message the others sent.
    @Test func pageInputMayNotSetALimit() throws {
        for fields in [
            try form(["verb": "append", "id": "log", "html": "x", "limit": "1"]),
            try EventFields(json: ["verb": "prepend", "id": "log", "html": "x", "limit": 1]),
        ] {
            let error = #expect(throws: EventError.self) { try EventRegistry().event(fromInput: fields) }
            #expect(error?.field == "limit")
        }
        // Without one (or empty, from a form) input appends as before.
        #expect(
            try EventRegistry().event(fromInput: form(["verb": "append", "id": "log", "html": "x", "limit": ""])) as? Append
                == Append(id: "log", html: "x"))
    }

    @Test func aTrustedApplicationVerbMaySetALimit() throws {
        let registry = EventRegistry()
        registry.register("say", trusted: true, input: .allowed) { fields throws(EventError) in
            Append(id: "log", html: "<p>" + HTML.escape(try fields.string("text")) + "</p>", limit: 100)
        }
        #expect(try registry.event(fromInput: form(["verb": "say", "text": "<hi>"])).json["limit"] == 100)
    }

    // MARK: refresh

    @Test func refreshHasNoFields() throws {
        let event = try EventRegistry().event(fromPublisher: EventFields(json: ["verb": "refresh", "id": "ignored"]))
        #expect(event as? Refresh == Refresh())
        #expect(event.json == ["verb": "refresh"])
        #expect(event.textForm == "refresh")
    }

    @Test func refreshIsNeverMadeFromInputEvenWhenAllowed() throws {
        let registry = EventRegistry()
        #expect(throws: EventError.verbNotAllowedFromInput("refresh")) { try registry.event(fromInput: form(["verb": "refresh"])) }
        try registry.setInputPermission(.allowed, for: "refresh")
        #expect(throws: EventError.verbNotAllowedFromInput("refresh")) { try registry.event(fromInput: form(["verb": "refresh"])) }
        // Nor by an application verb whose factory makes one.
        registry.register("reload", input: .allowed) { _ throws(EventError) in Refresh() }
        #expect(throws: EventError.verbNotAllowedFromInput("reload")) { try registry.event(fromInput: form(["verb": "reload"])) }
    }

    /// Form fields, in the order given.
    private func form(_ fields: KeyValuePairs<String, String>) throws -> EventFields {
        try EventFields(form: fields.map { (name: $0.key, value: $0.value) })
    }
}
