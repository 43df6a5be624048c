public import LivePageEvents

/// An event encoded once for all its recipients.
///
/// A fan-out to ten thousand clients encodes its events once; each client's answer then
/// only adds its own seq in front of these bytes. The encoding is all an event keeps: its
/// text form is derived from it when asked for (logs and tests), so a queued event holds
/// its HTML once, and ``byteCount`` is what it really costs.
public struct EncodedEvent: Sendable {
    /// The event's verb.
    public let verb: String
    /// The event's JSON members without braces and without `seq`:
    /// `"verb":"append","id":"target","html":"<p>42</p>"`, then `"from":...` for input.
    /// Plain JSON, not HTML-safe: answers are `application/json`, never inline script.
    public let members: [UInt8]
    /// Whether the event came from page input (and so carries `from`).
    public var isInput: Bool { footprint.isInput }
    /// What the event touches in a page, for compacting a full queue; it also says
    /// whether the event came from input, so that an event stays 32 bytes.
    let footprint: EventFootprint

    /// The encoding of an event sent by the server or a backend, which carries no `from`.
    public init(_ event: any Event) {
        self.init(event, from: nil, isInput: false)
    }

    /// The encoding of an event that came from page input: `from` is set to the sender's
    /// principal (`null` for anonymous), replacing any `from` the input carried.
    public init(_ event: any Event, fromInputBy principal: String?) {
        self.init(event, from: principal, isInput: true)
    }

    private init(_ event: any Event, from principal: String?, isInput: Bool) {
        var object = event.json
        if isInput {
            object["from"] = nil
            object["from"] = principal.map { .string($0) } ?? .null
        }
        var members: [UInt8] = []
        members.reserveCapacity(96)
        object.writeMembers(to: &members, htmlSafe: false)
        // Exactly as large as it needs to be: the queue limits count this buffer.
        if members.capacity > members.count + 64 { members = Array(members) }
        self.verb = event.verb
        self.members = members
        self.footprint = EventFootprint(verb: event.verb, fields: object, isInput: isInput)
    }

    /// What this event holds in memory while queued, in bytes: its JSON members as
    /// allocated, plus the fixed cost of the event, its queue entry and a seq in an
    /// answer. The per-client queue limits count this.
    public var byteCount: Int { members.capacity + Self.fixedCost }

    /// The memory of an event beyond its JSON: the buffer's header, the verb, the queue
    /// entry, and room for `{"seq":N,}` in an answer.
    static let fixedCost = 64

    /// The event as a JSON object with `seq` first, as a page receives it.
    public func json(seq: UInt64) -> JSONObject {
        var bytes = Array("{\"seq\":\(seq),".utf8)
        bytes += members
        bytes.append(UInt8(ascii: "}"))
        // The members were written by JSONObject.writeMembers, so they parse.
        return (try? JSONValue(parsing: bytes))?.objectValue ?? JSONObject()
    }

    /// The event's text form, for logs and tests (see ``Event/textForm``), derived from
    /// the encoding: `"<verb> <id>\n<html>"`, the main value for verbs without `html`.
    public var textForm: String {
        var fields = json(seq: 0)
        fields["seq"] = nil
        fields["verb"] = nil
        if isInput { fields["from"] = nil }
        switch verb {
        case Presence.verb:
            return Presence(location: fields["location"]?.stringValue ?? "", json: fields).textForm
        case "text":
            return Self.textForm(verb, id: fields["id"]?.stringValue, value: fields["text"]?.stringValue)
        case "attribute":
            let name = fields["name"]?.stringValue ?? ""
            return Self.textForm(verb, id: fields["id"]?.stringValue, value: "\(name)=\(fields["value"]?.stringValue ?? "")")
        case "remove":
            return Self.textForm(verb, id: fields["id"]?.stringValue, value: nil)
        default:
            return CustomEvent(verb: verb, fields: fields).textForm
        }
    }

    private static func textForm(_ verb: String, id: String?, value: String?) -> String {
        var text = verb
        if let id { text += " " + id }
        if let value { text += "\n" + value }
        return text
    }
}

extension Presence {
    /// A presence event read back from its fields, for its text form.
    fileprivate init(location: String, json fields: JSONObject) {
        func names(_ key: String) -> [String]? {
            guard case .array(let values)? = fields[key] else { return nil }
            return values.compactMap(\.stringValue)
        }
        func number(_ key: String) -> Int {
            guard case .number(let number)? = fields[key] else { return 0 }
            return number.intValue ?? 0
        }
        let (count, anonymous) = (number("count"), number("anonymous"))
        // Totals alone read the same as a state or a change; only the lists tell them apart.
        if fields["joined"] != nil || fields["left"] != nil {
            self.init(location: location, content: .change(joined: names("joined"), left: names("left"), count: count, anonymous: anonymous))
        } else {
            self.init(location: location, content: .state(principals: names("principals"), count: count, anonymous: anonymous))
        }
    }
}
