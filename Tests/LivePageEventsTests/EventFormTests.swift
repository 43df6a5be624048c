import LivePageEvents
import Testing

/// Each built-in event's JSON form (what a page receives, without `seq`) and text form
/// (what logs and tests show), and the element ids they accept.
@Suite(.timeLimit(.minutes(1)))
struct EventFormTests {
    @Test func append() {
        let event = Append(id: "target", html: "<p>42</p>")
        #expect(json(event) == #"{"verb":"append","id":"target","html":"\u003cp\u003e42\u003c/p\u003e"}"#)
        #expect(event.json == ["verb": "append", "id": "target", "html": "<p>42</p>"])
        #expect(event.textForm == "append target\n<p>42</p>")
    }

    static let htmlEvents: [(any ElementHTMLEvent.Type, String)] = [
        (Append.self, "append"), (Prepend.self, "prepend"), (Update.self, "update"),
        (Replace.self, "replace"), (Before.self, "before"), (After.self, "after"),
    ]

    @Test(arguments: htmlEvents)
    func everyHTMLVerbHasTheSameForms(type: any ElementHTMLEvent.Type, verb: String) {
        let event = type.init(id: "list-1", html: "<li>a & b</li>")
        #expect(type.verb == verb)
        #expect(event.verb == verb)
        #expect(event.json == ["verb": .string(verb), "id": "list-1", "html": "<li>a & b</li>"])
        #expect(event.json.keys == ["verb", "id", "html"])
        #expect(event.textForm == "\(verb) list-1\n<li>a & b</li>")
    }

    @Test func remove() {
        let event = Remove(id: "row.7")
        #expect(json(event) == #"{"verb":"remove","id":"row.7"}"#)
        #expect(event.textForm == "remove row.7")
    }

    @Test func text() {
        let event = Text(id: "count", text: "<5> & more")
        #expect(event.json == ["verb": "text", "id": "count", "text": "<5> & more"])
        #expect(json(event) == #"{"verb":"text","id":"count","text":"\u003c5\u003e \u0026 more"}"#)
        #expect(event.textForm == "text count\n<5> & more")
    }

    @Test func attribute() {
        let event = Attribute(id: "box", name: "class", value: "open")
        #expect(json(event) == #"{"verb":"attribute","id":"box","name":"class","value":"open"}"#)
        #expect(event.textForm == "attribute box\nclass=open")
    }

    @Test func attributeRemoval() {
        let event = Attribute(id: "box", name: "hidden", value: nil)
        #expect(json(event) == #"{"verb":"attribute","id":"box","name":"hidden","value":null}"#)
        #expect(event.textForm == "attribute box\nhidden=")
    }

    @Test func presenceState() {
        let event = Presence(location: "/chat", content: .state(principals: ["alice", "bob"], count: 2, anonymous: 3))
        #expect(
            json(event) == #"{"verb":"presence","location":"/chat","principals":["alice","bob"],"count":2,"anonymous":3}"#
        )
        #expect(event.textForm == "presence\n/chat: [alice, bob] 2 + 3 anonymous")
    }

    @Test func presenceStateWithoutLists() {
        let event = Presence(location: "/chat", content: .state(principals: nil, count: 2, anonymous: 0))
        #expect(json(event) == #"{"verb":"presence","location":"/chat","count":2,"anonymous":0}"#)
        #expect(event.textForm == "presence\n/chat: 2 + 0 anonymous")
    }

    @Test func presenceChange() {
        let event = Presence(location: "/chat", content: .change(joined: ["carol"], left: ["alice"], count: 2, anonymous: 1))
        #expect(
            json(event) == #"{"verb":"presence","location":"/chat","joined":["carol"],"left":["alice"],"count":2,"anonymous":1}"#
        )
        #expect(event.textForm == "presence\n/chat: +[carol] -[alice] 2 + 1 anonymous")
    }

    @Test func presenceCounts() {
        let event = Presence(location: "/chat", content: .change(joined: nil, left: nil, count: 4, anonymous: 0))
        #expect(json(event) == #"{"verb":"presence","location":"/chat","count":4,"anonymous":0}"#)
        #expect(event.textForm == "presence\n/chat: 4 + 0 anonymous")
    }

    @Test func customEventKeepsItsFieldsButNotVerbOrSeq() {
        let fields: JSONObject = ["seq": 9, "user": "uwe", "verb": "other", "n": 12, "html": "<i>x</i>"]
        let event = CustomEvent(verb: "chat-typing", fields: fields)
        #expect(event.fields.keys == ["user", "n", "html"])
        #expect(json(event) == #"{"verb":"chat-typing","user":"uwe","n":12,"html":"\u003ci\u003ex\u003c/i\u003e"}"#)
    }

    @Test func customEventTextForm() {
        #expect(CustomEvent(verb: "ping").textForm == "ping")
        #expect(CustomEvent(verb: "flash", fields: ["id": "note", "html": "<b>hi</b>"]).textForm == "flash note\n<b>hi</b>")
        #expect(CustomEvent(verb: "score", fields: ["id": "board", "home": 2, "away": 1]).textForm == #"score board"# + "\n" + #"{"home":2,"away":1}"#)
    }

    // MARK: Element ids

    @Test(arguments: ["a", "target", "Z9", "list-1", "row_2", "ns:item", "v1.2", "a" + String(repeating: "b", count: 127)])
    func acceptsAValidElementID(text: String) throws {
        #expect(try ElementID(validating: text).rawValue == text)
        #expect(ElementID.isValid(text))
    }

    @Test(arguments: [
        "", "1st", "-a", "_a", ":a", ".a", "a b", "a/b", "a\"b", "a<b", "a#b", "é", "aé", "a\u{0}",
        "a" + String(repeating: "b", count: 128),
    ])
    func refusesAnInvalidElementID(text: String) {
        #expect(!ElementID.isValid(text))
        let error = #expect(throws: EventError.self) { try ElementID(validating: text, field: "target") }
        #expect(error?.field == "target")
    }

    private func json(_ event: some Event) -> String {
        String(decoding: event.json.jsonBytes(), as: UTF8.self)
    }
}
