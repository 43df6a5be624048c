/// One or more class names, as the `class` field of ``AddClass``, ``RemoveClass`` and
/// ``ToggleClass`` carries them: separated by spaces, such as `"unread urgent"`.
///
/// Each name must match `[A-Za-z_-][A-Za-z0-9_-]{0,63}`, and there are 1 to 16 of them
/// (PROTOCOL.md): plain names that need no escaping in a selector or an attribute, and
/// that `classList` takes without throwing. `livepage.js` checks the same pattern before
/// it applies a class event.
public struct ClassNames: Sendable, Hashable {
    /// The names, in the order given (a repeated name is kept; the page's `classList`
    /// adds it once).
    public let names: [String]

    /// The most names one event carries.
    public static let maximumCount = 16
    /// The longest name accepted, in bytes.
    public static let maximumLength = 64

    /// The names in `text`, separated by ASCII spaces, tabs or line breaks.
    /// - Throws: ``EventError/invalidField(_:reason:)`` for `field` when there are none,
    ///   more than ``maximumCount``, or one is not a valid class name.
    public init(validating text: String, field: String = "class") throws(EventError) {
        let names = text.utf8.split { Self.isSeparator($0) }.map { String(decoding: $0, as: UTF8.self) }
        guard !names.isEmpty, names.count <= Self.maximumCount else {
            throw .invalidField(field, reason: "must hold 1 to \(Self.maximumCount) class names separated by spaces")
        }
        for name in names where !Self.isValid(name) {
            throw .invalidField(
                field,
                reason: "must hold class names that start with a letter, '_' or '-' and have at most "
                    + "\(Self.maximumLength) letters, digits, '_' or '-'"
            )
        }
        self.names = names
    }

    /// Whether `name` is one valid class name: `[A-Za-z_-][A-Za-z0-9_-]{0,63}`.
    public static func isValid(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard let first = utf8.first, utf8.count <= maximumLength,
            first.isASCIILetter || first == UInt8(ascii: "_") || first == UInt8(ascii: "-")
        else { return false }
        return utf8.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// ASCII whitespace as HTML splits a `class` attribute: space, tab, LF, FF, CR.
    private static func isSeparator(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }
}

extension ClassNames: ExpressibleByStringLiteral {
    /// Names written in code, such as `"unread urgent"`. Invalid names are a programming
    /// error and stop the program.
    public init(stringLiteral text: String) {
        do {
            try self.init(validating: text)
        } catch {
            preconditionFailure("\"\(text)\" is not a list of valid class names: \(error)")
        }
    }
}

extension ClassNames: CustomStringConvertible {
    /// The names separated by single spaces, as the `class` field carries them.
    public var description: String { names.joined(separator: " ") }
}

extension UInt8 {
    fileprivate var isASCIILetter: Bool { (self | 0x20) >= UInt8(ascii: "a") && (self | 0x20) <= UInt8(ascii: "z") }
    fileprivate var isASCIIDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
}
