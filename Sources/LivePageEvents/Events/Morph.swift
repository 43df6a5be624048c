/// Brings the children of `#id` to `html` by changing only what differs.
///
/// Where ``Update`` replaces every child, `livepage.js` compares the new HTML with what
/// the page holds and touches only the differences: children are matched by id (or a
/// form field's name) first, then by tag and position; attributes are set in place. What
/// the visitor is doing survives: the focused field keeps its focus, value, selection and
/// caret; a field the visitor edited keeps its value; open `<details>` stay open; scroll
/// positions stay; and every node whose content did not change stays the same node.
/// For a form or a list re-rendered on the server while someone types in it.
public struct Morph: ElementHTMLEvent, Hashable {
    /// The verb, `"morph"`.
    public static let verb = "morph"
    /// The element whose children are brought to the HTML.
    public var id: ElementID
    /// The element's new children, as HTML.
    public var html: String
    /// An event bringing the children of the element `id` to `html`.
    public init(id: ElementID, html: String) { (self.id, self.html) = (id, html) }
}
