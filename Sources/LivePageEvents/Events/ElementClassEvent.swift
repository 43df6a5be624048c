/// A verb that changes the classes of an element and nothing else: ``AddClass``,
/// ``RemoveClass`` and ``ToggleClass``.
///
/// They change `classList` without sending HTML again: a row marked read, a field marked
/// invalid, a panel shown. The three share their fields (`id`, `class`), their text form
/// and their factory.
public protocol ElementClassEvent: Event {
    /// The verb every event of this type carries.
    static var verb: String { get }
    /// The element whose classes change.
    var id: ElementID { get }
    /// The class names.
    var classes: ClassNames { get }
    /// An event changing the classes `classes` of the element `id`.
    init(id: ElementID, classes: ClassNames)
}

extension ElementClassEvent {
    /// The type's verb.
    public var verb: String { Self.verb }
    /// `id`, and `class` with the names separated by spaces.
    public var fields: JSONObject { ["id": .string(id.rawValue), "class": .string(classes.description)] }
    /// `"<verb> <id>\n<names>"`.
    public var textForm: String { makeTextForm(verb: verb, id: id, value: classes.description) }

    /// Builds the event from `id` and `class`, checking every name.
    static func make(from fields: EventFields) throws(EventError) -> Self {
        Self(id: try fields.elementID(), classes: try ClassNames(validating: try fields.string("class")))
    }
}

/// Adds the class names to `#id` (`classList.add`).
public struct AddClass: ElementClassEvent, Hashable {
    public static let verb = "addClass"
    public var id: ElementID
    public var classes: ClassNames
    public init(id: ElementID, classes: ClassNames) { (self.id, self.classes) = (id, classes) }
}

/// Removes the class names from `#id` (`classList.remove`).
public struct RemoveClass: ElementClassEvent, Hashable {
    public static let verb = "removeClass"
    public var id: ElementID
    public var classes: ClassNames
    public init(id: ElementID, classes: ClassNames) { (self.id, self.classes) = (id, classes) }
}

/// Toggles each class name on `#id`: removed where present, added where not
/// (`classList.toggle`, name by name).
public struct ToggleClass: ElementClassEvent, Hashable {
    public static let verb = "toggleClass"
    public var id: ElementID
    public var classes: ClassNames
    public init(id: ElementID, classes: ClassNames) { (self.id, self.classes) = (id, classes) }
}
