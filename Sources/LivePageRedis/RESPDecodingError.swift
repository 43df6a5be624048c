/// Why bytes from Redis are not valid RESP2, or break a `RESPLimits` limit.
///
/// A struct wrapping a private enum, so cases can be added without breaking callers;
/// match with `==` against the static members:
///
/// ```swift
/// catch let error as RESPDecodingError where error == .tooDeep(limit: 8) { ... }
/// ```
public struct RESPDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Reason: Sendable, Hashable {
        case unknownType(UInt8)
        case invalidLine
        case invalidInteger
        case invalidLength
        case missingTerminator
        case lineTooLong(limit: Int)
        case bulkTooLong(length: Int, limit: Int)
        case arrayTooLong(length: Int, limit: Int)
        case tooDeep(limit: Int)
        case valueTooLarge(limit: Int)
    }

    private let reason: Reason

    private init(_ reason: Reason) {
        self.reason = reason
    }

    /// A value starts with a byte that is no RESP2 type (`+ - : $ *`); RESP3 types
    /// included.
    public static func unknownType(_ byte: UInt8) -> RESPDecodingError { RESPDecodingError(.unknownType(byte)) }

    /// A line holds a CR or LF before its CRLF.
    public static let invalidLine = RESPDecodingError(.invalidLine)

    /// An integer reply is not a decimal 64-bit integer.
    public static let invalidInteger = RESPDecodingError(.invalidInteger)

    /// A bulk string or array length is not a decimal number, or is negative other than
    /// the null `-1`.
    public static let invalidLength = RESPDecodingError(.invalidLength)

    /// A bulk string's bytes are not followed by CRLF.
    public static let missingTerminator = RESPDecodingError(.missingTerminator)

    /// A line is longer than `RESPLimits.maximumLineLength` (`limit` bytes).
    public static func lineTooLong(limit: Int) -> RESPDecodingError { RESPDecodingError(.lineTooLong(limit: limit)) }

    /// A bulk string announces `length` bytes, more than `RESPLimits.maximumBulkLength`.
    public static func bulkTooLong(length: Int, limit: Int) -> RESPDecodingError {
        RESPDecodingError(.bulkTooLong(length: length, limit: limit))
    }

    /// An array announces `length` elements, more than `RESPLimits.maximumArrayLength`.
    public static func arrayTooLong(length: Int, limit: Int) -> RESPDecodingError {
        RESPDecodingError(.arrayTooLong(length: length, limit: limit))
    }

    /// Arrays are nested deeper than `RESPLimits.maximumDepth`.
    public static func tooDeep(limit: Int) -> RESPDecodingError { RESPDecodingError(.tooDeep(limit: limit)) }

    /// One value holds more than `RESPLimits.maximumValueSize` bytes of protocol.
    public static func valueTooLarge(limit: Int) -> RESPDecodingError {
        RESPDecodingError(.valueTooLarge(limit: limit))
    }

    /// What was wrong with the bytes.
    public var description: String {
        switch reason {
        case .unknownType(let byte): "a value starts with byte \(byte), which is no RESP2 type"
        case .invalidLine: "a line holds a bare CR or LF"
        case .invalidInteger: "an integer reply is not a decimal 64-bit integer"
        case .invalidLength: "a length is neither a non-negative decimal number nor -1"
        case .missingTerminator: "a bulk string is not followed by CRLF"
        case .lineTooLong(let limit): "a line is longer than \(limit) bytes"
        case .bulkTooLong(let length, let limit): "a bulk string of \(length) bytes exceeds the limit of \(limit) bytes"
        case .arrayTooLong(let length, let limit): "an array of \(length) elements exceeds the limit of \(limit)"
        case .tooDeep(let limit): "arrays are nested deeper than \(limit)"
        case .valueTooLarge(let limit): "a value is larger than \(limit) bytes"
        }
    }
}
