/// Why fields could not become an event: a caller can match the case, and a user can
/// act on the message, which names the verb or the field.
///
/// The server answers these with `400` (PROTOCOL.md, "Sending input").
public struct EventError: Error, Sendable, Hashable {
    private enum Kind: Sendable, Hashable {
        case missingVerb
        case unknownVerb(String)
        case verbNotAllowedFromInput(String)
        case elementNotAllowedFromInput(verb: String, id: String)
        case attributeNotAllowedFromInput(String)
        case missingField(String)
        case invalidField(String, reason: String)
        case repeatedField(String)
    }

    private let kind: Kind

    private init(_ kind: Kind) { self.kind = kind }

    /// The fields have no `verb`.
    public static let missingVerb = EventError(.missingVerb)

    /// No factory is registered for `verb`.
    public static func unknownVerb(_ verb: String) -> EventError { EventError(.unknownVerb(verb)) }

    /// `verb` is registered, but page input may not use it.
    public static func verbNotAllowedFromInput(_ verb: String) -> EventError {
        EventError(.verbNotAllowedFromInput(verb))
    }

    /// Page input may use `verb` only for certain element ids, and `id` is not one of them.
    public static func elementNotAllowedFromInput(verb: String, id: String) -> EventError {
        EventError(.elementNotAllowedFromInput(verb: verb, id: id))
    }

    /// Page input may set the attribute `name` (one of ``Attribute/guardedFromInput``)
    /// only where the application's ``InputPermission`` names it, and it does not.
    public static func attributeNotAllowedFromInput(_ name: String) -> EventError {
        EventError(.attributeNotAllowedFromInput(name))
    }

    /// The field `name` is required and absent.
    public static func missingField(_ name: String) -> EventError { EventError(.missingField(name)) }

    /// The field `name` is present but unusable, for the given reason.
    public static func invalidField(_ name: String, reason: String) -> EventError {
        EventError(.invalidField(name, reason: reason))
    }

    /// The field `name` appears more than once in a form.
    public static func repeatedField(_ name: String) -> EventError { EventError(.repeatedField(name)) }

    /// The field the error is about, if it is about one.
    public var field: String? {
        switch kind {
        case .missingField(let name), .invalidField(let name, _), .repeatedField(let name): name
        case .missingVerb: "verb"
        case .elementNotAllowedFromInput: "id"
        case .attributeNotAllowedFromInput: "name"
        case .unknownVerb, .verbNotAllowedFromInput: nil
        }
    }

    /// The verb the error is about, if it is about one.
    public var verb: String? {
        switch kind {
        case .unknownVerb(let verb), .verbNotAllowedFromInput(let verb), .elementNotAllowedFromInput(let verb, _): verb
        default: nil
        }
    }
}

extension EventError: CustomStringConvertible {
    /// One sentence naming the verb or field and what to do.
    public var description: String {
        switch kind {
        case .missingVerb:
            "The field 'verb' is required."
        case .unknownVerb(let verb):
            "The verb '\(Self.clip(verb))' is not registered."
        case .verbNotAllowedFromInput(let verb):
            "The verb '\(Self.clip(verb))' is not allowed from page input; the application must allow it."
        case .elementNotAllowedFromInput(let verb, let id):
            "The verb '\(Self.clip(verb))' is not allowed from page input for the element '\(Self.clip(id))'."
        case .attributeNotAllowedFromInput(let name):
            "The attribute '\(Self.clip(name))' is not allowed from page input unless the application allows it by name."
        case .missingField(let name):
            "The field '\(Self.clip(name))' is required."
        case .invalidField(let name, let reason):
            "The field '\(Self.clip(name))' \(reason)."
        case .repeatedField(let name):
            "The field '\(Self.clip(name))' is given more than once."
        }
    }

    /// Names from a request, shortened so that an error message stays one short line.
    private static func clip(_ text: String) -> String {
        text.count <= 64 ? text : String(text.prefix(61)) + "..."
    }
}
