import LivePage
import LivePageEvents

/// A ``BusMessage`` as it travels between servers on Redis, with who sent it and the
/// request its delivery counts answer: one JSON object.
///
/// `{"origin":"<node>","request":"<id>","type":"events","to":{...},"events":[{...},...]}`
/// or `{"origin":...,"request":...,"type":"disconnect","to":{...}}`. Each event is its
/// JSON object as encoded once by the sender, without `seq`.
struct BusEnvelope: Sendable {
    /// The incarnation of the server that published it, where counts go back to.
    let origin: String
    /// The id its delivery counts answer.
    let request: String
    /// What to do.
    let message: BusMessage

    /// The envelope's JSON text.
    func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        var head: JSONObject = ["origin": .string(origin), "request": .string(request)]
        let audience: Audience
        switch message {
        case .events(_, let to):
            head["type"] = "events"
            audience = to
        case .disconnect(let to):
            head["type"] = "disconnect"
            audience = to
        }
        head["to"] = .object(audience.json)
        bytes.append(UInt8(ascii: "{"))
        head.writeMembers(to: &bytes, htmlSafe: false)
        if case .events(let events, _) = message {
            bytes.append(contentsOf: #","events":["#.utf8)
            for (index, event) in events.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(UInt8(ascii: "{"))
                bytes.append(contentsOf: event.members)
                bytes.append(UInt8(ascii: "}"))
            }
            bytes.append(UInt8(ascii: "]"))
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// The envelope in `payload`, or `nil` if it is not one (which a server logs and
    /// skips: another program may publish on the channel).
    init?(decoding payload: [UInt8]) {
        guard let object = (try? JSONValue(parsing: payload))?.objectValue,
            let origin = object["origin"]?.stringValue, let request = object["request"]?.stringValue,
            let audience = try? Audience(json: object["to"])
        else { return nil }
        switch object["type"]?.stringValue {
        case "events":
            guard let list = object["events"]?.arrayValue else { return nil }
            var events: [EncodedEvent] = []
            for value in list {
                guard let fields = value.objectValue, let verb = fields["verb"]?.stringValue else { return nil }
                events.append(EncodedEvent(CustomEvent(verb: verb, fields: fields)))
            }
            message = .events(events, to: audience)
        case "disconnect":
            message = .disconnect(audience)
        default:
            return nil
        }
        self.origin = origin
        self.request = request
    }

    init(origin: String, request: String, message: BusMessage) {
        (self.origin, self.request, self.message) = (origin, request, message)
    }
}
