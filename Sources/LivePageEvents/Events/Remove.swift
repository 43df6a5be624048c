/// Removes the element `#id` from the page.
public struct Remove: Event, Hashable {
    /// The verb, `"remove"`.
    public static let verb = "remove"
    /// The element to remove.
    public var id: ElementID

    /// An event removing the element `id`.
    public init(id: ElementID) { self.id = id }

    /// `"remove"`.
    public var verb: String { Self.verb }
    /// `id`.
    public var fields: JSONObject { ["id": .string(id.rawValue)] }
    /// `"remove <id>"`.
    public var textForm: String { makeTextForm(verb: verb, id: id, value: nil) }

    static func make(from fields: EventFields) throws(EventError) -> Remove {
        Remove(id: try fields.elementID())
    }
}
