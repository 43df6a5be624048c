public import LivePageEvents

/// An event encoded once for all its recipients.
///
/// A fan-out to ten thousand clients encodes its events once; each client's answer then
/// only adds its own seq in front of these bytes.
public struct EncodedEvent: Sendable {
    /// The event's verb.
    public let verb: String
    /// The event's JSON members without braces and without `seq`:
    /// `"verb":"append","id":"target","html":"<p>42</p>"`, then `"from":...` for input.
    /// Plain JSON, not HTML-safe: answers are `application/json`, never inline script.
    public let members: [UInt8]
    /// The event's text form, for logs and tests.
    public let textForm: String

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
        self.verb = event.verb
        self.members = members
        self.textForm = event.textForm
    }

    /// The size this event adds to a client's queue and to an answer, in bytes of JSON
    /// (its members, plus room for braces and a seq).
    public var byteCount: Int { members.count + 32 }

    /// The event as a JSON object with `seq` first, as a page receives it.
    public func json(seq: UInt64) -> JSONObject {
        var bytes = Array("{\"seq\":\(seq),".utf8)
        bytes += members
        bytes.append(UInt8(ascii: "}"))
        // The members were written by JSONObject.writeMembers, so they parse.
        return (try? JSONValue(parsing: bytes))?.objectValue ?? JSONObject()
    }
}
