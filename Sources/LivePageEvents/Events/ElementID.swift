/// The `id` of the element a DOM verb acts on.
///
/// It must match `[A-Za-z][A-Za-z0-9_:.-]{0,127}` (PROTOCOL.md): a plain HTML id that
/// needs no escaping anywhere it is written. Anything else is refused, as a 400 when it
/// comes from a request.
public struct ElementID: Sendable, Hashable {
    /// The id's text.
    public let rawValue: String

    /// The longest id accepted, in bytes.
    public static let maximumLength = 128

    /// An id from untrusted text.
    /// - Throws: ``EventError/invalidField(_:reason:)`` for `field` when the text is not a valid id.
    public init(validating text: String, field: String = "id") throws(EventError) {
        guard Self.isValid(text) else {
            throw .invalidField(field, reason: "must start with a letter and hold at most \(Self.maximumLength) letters, digits, '_', ':', '.' or '-'")
        }
        self.rawValue = text
    }

    /// Whether `text` is a valid element id.
    public static func isValid(_ text: String) -> Bool {
        IdentifierSyntax.isValid(text, maximumLength: maximumLength)
    }
}

extension ElementID: ExpressibleByStringLiteral {
    /// An id written in code, such as `"target"`. An invalid literal is a programming
    /// error and stops the program.
    public init(stringLiteral text: String) {
        precondition(Self.isValid(text), "\"\(text)\" is not a valid element id")
        self.rawValue = text
    }
}

extension ElementID: CustomStringConvertible {
    /// The id's text.
    public var description: String { rawValue }
}
