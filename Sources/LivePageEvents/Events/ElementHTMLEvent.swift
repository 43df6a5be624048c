/// A verb that puts HTML at an element: ``Append``, ``Prepend``, ``Update``, ``Replace``,
/// ``Before`` and ``After``.
///
/// The six share their fields (`id`, `html`), their text form and their factory, and
/// differ only in what `livepage.js` does with the HTML (PROTOCOL.md, "Events").
public protocol ElementHTMLEvent: Event {
    /// The verb every event of this type carries.
    static var verb: String { get }
    /// The element the HTML goes to.
    var id: ElementID { get }
    /// The HTML, as the page will insert it. HTML from page input arrives here already
    /// escaped (shown as text) unless its verb is registered as trusted.
    var html: String { get }
    /// An event putting `html` at the element `id`.
    init(id: ElementID, html: String)
}

extension ElementHTMLEvent {
    /// The type's verb.
    public var verb: String { Self.verb }
    /// `id` and `html`.
    public var fields: JSONObject { ["id": .string(id.rawValue), "html": .string(html)] }
    /// `"<verb> <id>\n<html>"`.
    public var textForm: String { makeTextForm(verb: verb, id: id, value: html) }

    /// Builds the event from `id` and `html` fields; `html` is escaped unless trusted.
    static func make(from fields: EventFields) throws(EventError) -> Self {
        Self(id: try fields.elementID(), html: try fields.html())
    }
}

/// Adds `html` as the last children of `#id`. A top-level element in the HTML whose id
/// is already in the page replaces that element instead of being added twice. With a
/// ``limit``, `#id` keeps at most that many element children, the first ones dropped.
public struct Append: ChildLimitedEvent, Hashable {
    public static let verb = "append"
    public var id: ElementID
    public var html: String
    public var limit: Int?
    public init(id: ElementID, html: String) { (self.id, self.html, self.limit) = (id, html, nil) }
    public init(id: ElementID, html: String, limit: Int?) {
        precondition(limit.map(Self.limits.contains) ?? true, "an append's limit must be in \(Self.limits)")
        (self.id, self.html, self.limit) = (id, html, limit)
    }
}

/// Adds `html` as the first children of `#id`, replacing elements by id as ``Append`` does.
/// With a ``limit``, `#id` keeps at most that many element children, the last ones dropped.
public struct Prepend: ChildLimitedEvent, Hashable {
    public static let verb = "prepend"
    public var id: ElementID
    public var html: String
    public var limit: Int?
    public init(id: ElementID, html: String) { (self.id, self.html, self.limit) = (id, html, nil) }
    public init(id: ElementID, html: String, limit: Int?) {
        precondition(limit.map(Self.limits.contains) ?? true, "a prepend's limit must be in \(Self.limits)")
        (self.id, self.html, self.limit) = (id, html, limit)
    }
}

/// Replaces the children of `#id` with `html`.
public struct Update: ElementHTMLEvent, Hashable {
    public static let verb = "update"
    public var id: ElementID
    public var html: String
    public init(id: ElementID, html: String) { (self.id, self.html) = (id, html) }
}

/// Replaces the element `#id` itself with `html`.
public struct Replace: ElementHTMLEvent, Hashable {
    public static let verb = "replace"
    public var id: ElementID
    public var html: String
    public init(id: ElementID, html: String) { (self.id, self.html) = (id, html) }
}

/// Inserts `html` just before the element `#id`, as its siblings.
public struct Before: ElementHTMLEvent, Hashable {
    public static let verb = "before"
    public var id: ElementID
    public var html: String
    public init(id: ElementID, html: String) { (self.id, self.html) = (id, html) }
}

/// Inserts `html` just after the element `#id`, as its siblings.
public struct After: ElementHTMLEvent, Hashable {
    public static let verb = "after"
    public var id: ElementID
    public var html: String
    public init(id: ElementID, html: String) { (self.id, self.html) = (id, html) }
}
