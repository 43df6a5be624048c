import LivePage
import LivePageEvents
import Testing

/// What a queued event holds (red team: each kept a second full copy of its HTML, its
/// text form, so queued memory was twice what the limits counted).
struct EncodedEventTests {
    static let events: [any Event] = [
        Append(id: "log", html: "<p>42</p>"), Update(id: "n", html: "x"), Remove(id: "r"),
        Text(id: "t", text: "<5> & more"), Attribute(id: "box", name: "class", value: "open"),
        Attribute(id: "box", name: "hidden", value: nil),
        Presence(location: "/chat", content: .state(principals: ["alice", "bob"], count: 2, anonymous: 3)),
        Presence(location: "/chat", content: .state(principals: nil, count: 2, anonymous: 0)),
        Presence(location: "/chat", content: .change(joined: ["c"], left: [], count: 3, anonymous: 0)),
        CustomEvent(verb: "chat-typing", fields: ["who": "uwe", "id": "w"]),
    ]

    @Test(arguments: 0..<events.count)
    func theTextFormDerivedFromTheEncodingIsTheEventsOwn(index: Int) {
        let event = Self.events[index]
        #expect(EncodedEvent(event).textForm == event.textForm)
        #expect(EncodedEvent(event, fromInputBy: "uwe").textForm == event.textForm, "from is not part of the text form")
    }

    @Test func aQueuedEventCountsTheBytesItHoldsAndHoldsItsHTMLOnce() {
        let html = String(repeating: "x", count: 100_000)
        let encoded = EncodedEvent(Append(id: "log", html: html))
        #expect(encoded.members.count > 100_000)
        #expect(encoded.byteCount == encoded.members.capacity + 64)
        #expect(encoded.members.capacity < encoded.members.count + 128, "no slack beyond what is counted")
        // The event keeps nothing but its encoding and verb: its size in memory is fixed.
        #expect(MemoryLayout<EncodedEvent>.size <= 32)
    }
}
