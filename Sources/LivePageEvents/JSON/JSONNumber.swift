/// A JSON number, kept as the literal text it arrived as.
///
/// Keeping the text means a number passes through LivePage unchanged: an id like
/// `12345678901234567890` is not rounded to the nearest `Double` on its way to the page.
public struct JSONNumber: Sendable, Hashable {
    /// The number's JSON text, such as `42`, `-0.5` or `1e3`.
    public let literal: String

    /// A number from validated JSON text; only the parser makes these.
    init(validatedLiteral: String) {
        self.literal = validatedLiteral
    }

    /// The number for an integer.
    public init(_ value: Int) {
        self.literal = String(value)
    }

    /// The number for a finite `Double`; infinities and NaN, which JSON cannot hold,
    /// become `0`.
    public init(_ value: Double) {
        guard value.isFinite else {
            self.literal = "0"
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            self.literal = String(Int(value))
        } else {
            self.literal = "\(value)"
        }
    }

    /// The number as an `Int`, if it is an integer that fits one exactly.
    public var intValue: Int? { Int(literal) }

    /// The number as a `Double` (the nearest one, for long literals).
    public var doubleValue: Double { Double(literal) ?? 0 }
}

extension JSONNumber: CustomStringConvertible {
    /// The number's JSON text.
    public var description: String { literal }
}
