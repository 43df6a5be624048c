/// Sets the text of the element `#id`. The page never parses it as HTML, so it needs
/// no escaping and cannot inject markup.
public struct Text: Event, Hashable {
    /// The verb, `"text"`.
    public static let verb = "text"
    /// The element whose text is set.
    public var id: ElementID
    /// The text, shown as it is.
    public var text: String

    /// An event setting the text of the element `id`.
    public init(id: ElementID, text: String) { (self.id, self.text) = (id, text) }

    /// `"text"`.
    public var verb: String { Self.verb }
    /// `id` and `text`.
    public var fields: JSONObject { ["id": .string(id.rawValue), "text": .string(text)] }
    /// `"text <id>\n<text>"`.
    public var textForm: String { makeTextForm(verb: verb, id: id, value: text) }

    static func make(from fields: EventFields) throws(EventError) -> Text {
        Text(id: try fields.elementID(), text: try fields.string("text"))
    }
}
