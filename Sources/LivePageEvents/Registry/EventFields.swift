/// The fields of one form or JSON object, on their way to becoming an event.
///
/// A factory reads them through typed accessors that fail with an ``EventError`` naming
/// the field. Whether the fields are trusted travels with them: ``html(_:)`` escapes
/// untrusted HTML, so a factory gets safe text without having to know where the fields
/// came from.
public struct EventFields: Sendable {
    /// The verb the fields ask for.
    public let verb: String
    /// Every field, `verb` included, in the order given.
    public let values: JSONObject
    /// Whether the HTML in these fields is trusted: it is when it comes from a publisher
    /// or from a verb the application registered as trusted, never from page input
    /// otherwise.
    public let isTrusted: Bool
    /// Whether the fields came from a form, where every value is a string and an empty
    /// value stands for none.
    public let isForm: Bool

    /// Fields from a JSON object.
    /// - Throws: ``EventError/missingVerb`` or ``EventError/invalidField(_:reason:)`` for
    ///   `verb` when it is absent or not a string.
    public init(json: JSONObject, isTrusted: Bool = false) throws(EventError) {
        guard let verbValue = json["verb"] else { throw .missingVerb }
        guard case .string(let verb) = verbValue else {
            throw .invalidField("verb", reason: "must be a string, not \(verbValue.typeName)")
        }
        self.init(verb: verb, values: json, isTrusted: isTrusted, isForm: false)
    }

    /// Fields from a decoded form, in order.
    /// - Throws: ``EventError/repeatedField(_:)`` when a name appears twice (a form cannot
    ///   say which one it means), ``EventError/missingVerb`` without `verb`.
    public init(form: [(name: String, value: String)], isTrusted: Bool = false) throws(EventError) {
        var values = JSONObject()
        for (name, value) in form where !values.insertNew(name, .string(value)) {
            throw .repeatedField(name)
        }
        guard let verb = values["verb"]?.stringValue else { throw .missingVerb }
        self.init(verb: verb, values: values, isTrusted: isTrusted, isForm: true)
    }

    private init(verb: String, values: JSONObject, isTrusted: Bool, isForm: Bool) {
        (self.verb, self.values, self.isTrusted, self.isForm) = (verb, values, isTrusted, isForm)
    }

    /// The same fields with trust set to `isTrusted`.
    func trusted(_ isTrusted: Bool) -> EventFields {
        EventFields(verb: verb, values: values, isTrusted: isTrusted, isForm: isForm)
    }

    /// The raw value of the field `name`, if present.
    public subscript(name: String) -> JSONValue? { values[name] }

    /// The string in the field `name`.
    /// - Throws: ``EventError/missingField(_:)`` or ``EventError/invalidField(_:reason:)``.
    public func string(_ name: String) throws(EventError) -> String {
        guard let value = values[name] else { throw .missingField(name) }
        guard case .string(let string) = value else {
            throw .invalidField(name, reason: "must be a string, not \(value.typeName)")
        }
        return string
    }

    /// The string in the field `name`, or `nil` when it is absent or `null` (or empty,
    /// from a form).
    /// - Throws: ``EventError/invalidField(_:reason:)`` when it is another type.
    public func optionalString(_ name: String) throws(EventError) -> String? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let string)?: return string.isEmpty && isForm ? nil : string
        case let value?: throw .invalidField(name, reason: "must be a string, not \(value.typeName)")
        }
    }

    /// The element id in the field `name` (default `id`).
    /// - Throws: ``EventError`` when it is absent, not a string or not a valid id.
    public func elementID(_ name: String = "id") throws(EventError) -> ElementID {
        try ElementID(validating: try string(name), field: name)
    }

    /// The HTML in the field `name` (default `html`): as given when the fields are
    /// trusted, otherwise escaped with ``HTML/escape(_:)`` so the page shows it as text.
    /// - Throws: ``EventError`` when it is absent or not a string.
    public func html(_ name: String = "html") throws(EventError) -> String {
        let html = try string(name)
        return isTrusted ? html : HTML.escape(html)
    }
}
