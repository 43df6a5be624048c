/// Who is online at a location: the full state, or a change since the state a client
/// last received.
///
/// LivePage sends these only to clients that asked for presence at registration, and
/// `livepage.js` keeps every element with `data-livepage-online` up to date with them.
/// A client in `count` mode (or in `list` mode at a location with more principals than
/// the list limit) gets the totals without the lists.
public struct Presence: Event, Hashable {
    /// The verb, `"presence"`.
    public static let verb = "presence"

    /// What the event says.
    public enum Content: Sendable, Hashable {
        /// The whole state: the sorted principals (`nil` in count mode), the number of
        /// distinct principals and of anonymous clients.
        case state(principals: [String]?, count: Int, anonymous: Int)
        /// The difference from the state last sent: principals that joined and left
        /// (never the same one in both; `nil` in count mode), and the new totals.
        case change(joined: [String]?, left: [String]?, count: Int, anonymous: Int)
    }

    /// The location the event describes.
    public var location: String
    /// The state or the change.
    public var content: Content
    /// Display names, by principal, of listed principals (a state) or of those that
    /// joined (a change) that have one; sent as `names` when not empty.
    public var names: [String: String] = [:]

    /// A presence event for `location`.
    public init(location: String, content: Content, names: [String: String] = [:]) {
        (self.location, self.content, self.names) = (location, content, names)
    }

    /// `"presence"`.
    public var verb: String { Self.verb }

    /// `location`, then `principals`, `count`, `anonymous` for a state, or `joined`,
    /// `left`, `count`, `anonymous` for a change; then `names` if any.
    public var fields: JSONObject {
        var fields: JSONObject = ["location": .string(location)]
        switch content {
        case .state(let principals, let count, let anonymous):
            if let principals { fields["principals"] = .array(principals.map { .string($0) }) }
            fields["count"] = .number(JSONNumber(count))
            fields["anonymous"] = .number(JSONNumber(anonymous))
        case .change(let joined, let left, let count, let anonymous):
            if let joined { fields["joined"] = .array(joined.map { .string($0) }) }
            if let left { fields["left"] = .array(left.map { .string($0) }) }
            fields["count"] = .number(JSONNumber(count))
            fields["anonymous"] = .number(JSONNumber(anonymous))
        }
        if !names.isEmpty {
            var object = JSONObject()
            for key in names.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) { object[key] = .string(names[key]!) }
            fields["names"] = .object(object)
        }
        return fields
    }

    /// `"presence\n<location>: ..."`, listing the principals (or who joined and left)
    /// and the totals.
    public var textForm: String {
        switch content {
        case .state(let principals, let count, let anonymous):
            let list = principals.map { " [" + $0.joined(separator: ", ") + "]" } ?? ""
            return makeTextForm(verb: verb, id: nil, value: "\(location):\(list) \(count) + \(anonymous) anonymous")
        case .change(let joined, let left, let count, let anonymous):
            let joinedText = joined.map { " +[" + $0.joined(separator: ", ") + "]" } ?? ""
            let leftText = left.map { " -[" + $0.joined(separator: ", ") + "]" } ?? ""
            return makeTextForm(verb: verb, id: nil, value: "\(location):\(joinedText)\(leftText) \(count) + \(anonymous) anonymous")
        }
    }
}
