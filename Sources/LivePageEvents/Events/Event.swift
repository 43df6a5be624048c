/// One DOM operation or application message, as a page receives it.
///
/// An event is a verb and its fields. LivePage gives it a `seq` when it queues it for a
/// client and, for input from a page, a `from`; the event itself carries neither.
/// The built-in verbs each have a type (``Append``, ``Update``, ``Text``, ...); an
/// application adds its own by conforming to `Event` and registering a factory for its
/// verb in an ``EventRegistry``.
public protocol Event: Sendable {
    /// The verb this event carries on the wire, such as `"append"`.
    var verb: String { get }

    /// The event's fields as they go on the wire, in order, without `verb` and `seq`.
    var fields: JSONObject { get }

    /// The event's text form, used in logs and tests: `"<verb> <id>\n<html>"`, such as
    /// `"append target\n<p>42</p>"`. Verbs without `html` put their main value there;
    /// verbs without `id` leave it out.
    var textForm: String { get }
}

extension Event {
    /// The event's JSON form: `verb` first, then its fields.
    public var json: JSONObject {
        var object: JSONObject = ["verb": .string(verb)]
        for (key, value) in fields where key != "verb" && key != "seq" {
            object[key] = value
        }
        return object
    }

    /// The text form built from the fields: `id` after the verb when it is a string, and
    /// `html` (or else the whole field object as JSON) on the second line.
    public var textForm: String {
        let fields = fields
        var text = verb
        if let id = fields["id"]?.stringValue { text += " " + id }
        if let html = fields["html"]?.stringValue {
            text += "\n" + html
        } else {
            var rest = fields
            rest["id"] = nil
            if !rest.isEmpty { text += "\n" + String(decoding: rest.jsonBytes(), as: UTF8.self) }
        }
        return text
    }
}

/// Builds the text form `"<verb> <id>\n<value>"` shared by the built-in verbs.
func makeTextForm(verb: String, id: ElementID?, value: String?) -> String {
    var text = verb
    if let id { text += " " + id.rawValue }
    if let value { text += "\n" + value }
    return text
}
