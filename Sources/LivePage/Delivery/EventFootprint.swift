import LivePageEvents

/// What an event touches in a page, as far as compacting a full queue needs to know: a
/// later event can make an earlier one pointless (the text of `#count` set twice), and
/// dropping the earlier one then changes nothing the page ends up showing.
///
/// A class, made once per encoded event and shared by every queue that holds it, so that
/// an event in a queue stays as small as it was.
final class EventFootprint: Sendable {
    /// What the event does.
    enum Effect: Sendable, Hashable {
        /// `text` or `update`: replaces every child of `#id`, and touches nothing else.
        case content
        /// `attribute`: sets or removes the attribute `name` of `#id`.
        case attribute(String)
        /// `remove`: removes `#id`.
        case remove
        /// `presence`: touches only the page's `data-livepage-online` elements.
        case presence
        /// Anything else: HTML that may bring, replace or move elements by id (`append`,
        /// `prepend`, `before`, `after`, `replace`), or a verb of the page's own whose
        /// handler may read anything. Nothing is compacted across it.
        case barrier
    }

    let effect: Effect
    /// The element id of `content`, `attribute` and `remove`.
    let id: [UInt8]
    /// Whether the event carries HTML (`update`): elements it brings may be what a
    /// later event names.
    let hasHTML: Bool
    /// Whether the event came from page input, which the page may refuse.
    let isInput: Bool

    init(verb: String, fields: JSONObject, isInput: Bool) {
        self.isInput = isInput
        hasHTML = verb == "update"
        switch (verb, fields["id"]) {
        case ("presence", _):
            (effect, id) = (.presence, [])
        case ("text", .string(let id)?), ("update", .string(let id)?):
            (effect, self.id) = (.content, Array(id.utf8))
        case ("attribute", .string(let id)?):
            if case .string(let name)? = fields["name"] {
                (effect, self.id) = (.attribute(name), Array(id.utf8))
            } else {
                (effect, self.id) = (.barrier, [])
            }
        case ("remove", .string(let id)?):
            (effect, self.id) = (.remove, Array(id.utf8))
        default:
            (effect, id) = (.barrier, [])
        }
    }
}
