import LivePage
import LivePageEvents
import Synchronization
import Testing

/// Input from a page: the registry turns its fields into an event, the input handler
/// decides where it goes (by default everyone at the sender's location).
@Suite(.timeLimit(.minutes(1)))
struct InputTests {
    let harness: Harness
    let uwe: ClientID
    let dominik: ClientID
    let anonymous: ClientID
    let elsewhere: ClientID

    init() throws {
        let registry = EventRegistry()
        registry.register("chat", input: .allowed) { fields throws(EventError) in
            CustomEvent(verb: fields.verb, fields: fields.values)
        }
        harness = Harness(registry: registry)
        uwe = try harness.register("zorg.member.uwe", at: "/chat")
        dominik = try harness.register("zorg.member.dominik", at: "/chat")
        anonymous = try harness.register(nil, at: "/chat")
        elsewhere = try harness.register("zorg.member.uwe", at: "/news")
    }

    var manager: ClientManager { harness.manager }

    func form(_ fields: KeyValuePairs<String, String>) throws -> EventFields {
        try EventFields(form: fields.map { (name: $0.key, value: $0.value) })
    }

    // MARK: `from` marks input

    /// livepage.js tells input from trusted events by the `from` member alone, so every
    /// input event carries it, as `null` for an anonymous sender, and no event a server
    /// or a publisher sends with a built-in verb does (PROTOCOL.md, "Events").
    @Test func everyInputEventCarriesFromEvenAnonymousAndNoOtherDoes() throws {
        let event = Append(id: "log", html: "x")
        let published = try EventRegistry().event(fromPublisher: EventFields(json: ["verb": "append", "id": "log", "html": "x", "from": "backend"]))
        #expect(!published.json.keys.contains("from"), "a publisher's built-in event kept its from")
        #expect(
            String(decoding: EncodedEvent(event, fromInputBy: nil).members, as: UTF8.self)
                == #""verb":"append","id":"log","html":"x","from":null"#)
        #expect(
            String(decoding: EncodedEvent(event, fromInputBy: "uwe").members, as: UTF8.self)
                == #""verb":"append","id":"log","html":"x","from":"uwe""#)
        #expect(String(decoding: EncodedEvent(event).members, as: UTF8.self) == #""verb":"append","id":"log","html":"x""#)
    }

    // MARK: The default handler

    @Test func reachesEveryoneAtTheSendersLocationTheSenderIncluded() async throws {
        let delivered = try await manager.input(from: dominik, fields: form(["verb": "append", "id": "log", "html": "hello"]))
        #expect(delivered == 3)
        let expected: JSONObject = ["seq": 1, "verb": "append", "id": "log", "html": "hello", "from": "zorg.member.dominik"]
        for id in [uwe, dominik, anonymous] {
            #expect(try harness.events(id).objects == [expected])
        }
        #expect(try harness.poll(elsewhere).isParked)
    }

    @Test func escapesTheHTMLItCarries() async throws {
        _ = try await manager.input(from: uwe, fields: form(["verb": "append", "id": "log", "html": "<img src=x onerror=alert(1)>"]))
        let batch = try harness.events(dominik)
        #expect(batch.textForms == ["append log\n&lt;img src=x onerror=alert(1)&gt;"])
        #expect(batch.objects.first?["html"] == "&lt;img src=x onerror=alert(1)&gt;")
    }

    @Test func fromIsTheSendersPrincipalOrNull() async throws {
        _ = try await manager.input(from: anonymous, fields: form(["verb": "prepend", "id": "log", "html": "hi"]))
        #expect(try harness.events(uwe).objects == [["seq": 1, "verb": "prepend", "id": "log", "html": "hi", "from": nil]])
    }

    @Test func fromReplacesAnyFromTheInputCarried() async throws {
        let fields = try EventFields(json: ["verb": "chat", "from": "zorg.member.admin", "text": "trust me"])
        #expect(try await manager.input(from: dominik, fields: fields) == 3)
        let objects = try harness.events(uwe).objects
        #expect(objects == [["seq": 1, "verb": "chat", "text": "trust me", "from": "zorg.member.dominik"]])
        #expect(objects.first?.keys == ["seq", "verb", "text", "from"])
    }

    @Test func passesJSONFieldsOnUnchanged() async throws {
        let object = try JSONValue(parsing: #"{"verb":"chat","text":"hi","mood":{"n":12345678901234567890,"tags":[]}}"#)
        #expect(try await manager.input(from: uwe, fields: EventFields(json: try #require(object.objectValue))) == 3)
        #expect(
            try harness.events(anonymous).jsonText
                == #"{"events":[{"seq":1,"verb":"chat","text":"hi","mood":{"n":12345678901234567890,"tags":[]},"from":"zorg.member.uwe"}]}"#
        )
    }

    // MARK: Refused input

    @Test func anUnknownVerbIsRefusedNamingIt() async throws {
        let error = await #expect(throws: ManagerError.invalidEvent(.unknownVerb("explode"))) {
            try await manager.input(from: uwe, fields: form(["verb": "explode", "id": "log"]))
        }
        #expect(error?.status == 400)
        #expect(error?.description == "The verb 'explode' is not registered.")
        #expect(try harness.poll(dominik).isParked)
    }

    @Test func aVerbInputMayNotUseIsRefused() async throws {
        let error = await #expect(throws: ManagerError.invalidEvent(.verbNotAllowedFromInput("update"))) {
            try await manager.input(from: uwe, fields: form(["verb": "update", "id": "log", "html": "gone"]))
        }
        #expect(error?.status == 400)
    }

    @Test func aMissingFieldIsRefusedNamingIt() async throws {
        let error = await #expect(throws: ManagerError.invalidEvent(.missingField("html"))) {
            try await manager.input(from: uwe, fields: form(["verb": "append", "id": "log"]))
        }
        #expect(error?.description == "The field 'html' is required.")
    }

    @Test func inputFromAGoneClientIsRefusedWithWhy() async throws {
        let fields = try form(["verb": "append", "id": "log", "html": "x"])
        await #expect(throws: ManagerError.clientGone(.unknown)) { try await manager.input(from: ClientID(), fields: fields) }
        manager.close(dominik)
        let error = await #expect(throws: ManagerError.clientGone(.closed)) { try await manager.input(from: dominik, fields: fields) }
        #expect(error?.status == 410)
    }

    @Test func anAllowedVerbMayBeLimitedToCertainElements() async throws {
        try manager.registry.setInputPermission(.allowed(elementIDs: ["topic"]), for: "update")
        #expect(try await manager.input(from: uwe, fields: form(["verb": "update", "id": "topic", "html": "<b>new</b>"])) == 3)
        #expect(try harness.events(dominik).textForms == ["update topic\n&lt;b&gt;new&lt;/b&gt;"])
        await #expect(throws: ManagerError.invalidEvent(.elementNotAllowedFromInput(verb: "update", id: "header"))) {
            try await manager.input(from: uwe, fields: form(["verb": "update", "id": "header", "html": "x"]))
        }
    }

    // MARK: Custom handlers

    @Test func aHandlerSeesTheSenderAndTheEvent() async throws {
        let seen = SeenInput()
        manager.setInputHandler { input in
            seen.record("\(input.sender.principal ?? "-") at \(input.sender.location): \(input.event.textForm)")
            return 0
        }
        _ = try await manager.input(from: uwe, fields: form(["verb": "append", "id": "log", "html": "<i>"]))
        #expect(seen.lines == ["zorg.member.uwe at /chat: append log\n&lt;i&gt;"])
    }

    @Test func aHandlerAuthorises() async throws {
        manager.setInputHandler { input in
            guard input.sender.principal == "zorg.member.uwe" else { throw ManagerError.inputRejected("Only moderators may post here.") }
            return try await ClientManager.defaultInputHandler(input)
        }
        #expect(try await manager.input(from: uwe, fields: form(["verb": "append", "id": "log", "html": "ok"])) == 3)
        let error = await #expect(throws: ManagerError.inputRejected("Only moderators may post here.")) {
            try await manager.input(from: dominik, fields: form(["verb": "append", "id": "log", "html": "spam"]))
        }
        #expect(error?.status == 403)
        #expect(error?.description == "Only moderators may post here.")
        #expect(try harness.events(anonymous).textForms == ["append log\nok"])
    }

    @Test func aHandlerRewrites() async throws {
        manager.setInputHandler { input in
            guard let append = input.event as? Append else { return 0 }
            let who = HTML.escape(input.sender.principal ?? "someone")
            return try await input.send(Append(id: append.id, html: "<li><b>\(who)</b>: \(append.html)</li>"), to: .location(input.sender.location))
        }
        _ = try await manager.input(from: uwe, fields: form(["verb": "append", "id": "log", "html": "<script>"]))
        #expect(
            try harness.events(dominik).objects == [
                [
                    "seq": 1, "verb": "append", "id": "log", "html": "<li><b>zorg.member.uwe</b>: &lt;script&gt;</li>", "from": "zorg.member.uwe",
                ]
            ])
    }

    @Test func aHandlerReroutes() async throws {
        manager.setInputHandler { input in
            try await input.send(input.event, to: .principal("zorg.member.uwe").excluding(input.sender.id))
        }
        #expect(try await manager.input(from: uwe, fields: form(["verb": "append", "id": "log", "html": "note to self"])) == 1)
        #expect(try harness.events(elsewhere).textForms == ["append log\nnote to self"])
        for id in [uwe, dominik, anonymous] { #expect(try harness.poll(id).isParked) }
    }

    @Test func aHandlerDrops() async throws {
        manager.setInputHandler { _ in 0 }
        #expect(try await manager.input(from: uwe, fields: form(["verb": "append", "id": "log", "html": "x"])) == 0)
        for id in [uwe, dominik, anonymous, elsewhere] { #expect(try harness.poll(id).isParked) }
        #expect(manager.metrics.eventsQueued == 0)
    }

    @Test func theRegistryRefusesBeforeTheHandlerRuns() async throws {
        let seen = SeenInput()
        manager.setInputHandler { _ in
            seen.record("called")
            return 0
        }
        await #expect(throws: ManagerError.self) { try await manager.input(from: uwe, fields: form(["verb": "remove", "id": "log"])) }
        #expect(seen.lines == [])
    }
}

/// What an input handler saw, safe to record from any task.
final class SeenInput: Sendable {
    private let storage = Mutex<[String]>([])
    func record(_ line: String) { storage.withLock { $0.append(line) } }
    var lines: [String] { storage.withLock { $0 } }
}
