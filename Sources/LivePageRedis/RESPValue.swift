/// One value of the Redis serialization protocol, version 2 (RESP2): what Redis answers
/// to a command, and what a subscription delivers.
///
/// Bulk strings are bytes, not text: Redis is binary-safe, and so is this client. The
/// accessors (`string`, `bytes`, `integer`, `array`) read a value as the shape a caller
/// expects, returning `nil` for any other shape.
public enum RESPValue: Sendable, Hashable {
    /// A status reply such as `OK` or `PONG` (`+OK\r\n`).
    case simpleString(String)
    /// An error reply such as `ERR unknown command` (`-ERR ...\r\n`). `RedisConnection.send`
    /// throws a top-level error reply as `RedisError.reply(_:)`; errors inside arrays (a
    /// script's result, for example) stay values.
    case error(String)
    /// A signed 64-bit integer (`:42\r\n`).
    case integer(Int)
    /// A binary-safe string (`$5\r\nhello\r\n`).
    case bulkString([UInt8])
    /// An array of values, possibly nested (`*2\r\n...`).
    case array([RESPValue])
    /// The null bulk string (`$-1\r\n`) or the null array (`*-1\r\n`): a missing key, a
    /// timed-out blocking command.
    case null

    /// The bytes of a bulk or simple string; `nil` for other values.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): bytes
        case .simpleString(let text): Array(text.utf8)
        default: nil
        }
    }

    /// A bulk or simple string decoded as UTF-8 (invalid sequences replaced by U+FFFD);
    /// `nil` for other values.
    public var string: String? {
        switch self {
        case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
        case .simpleString(let text): text
        default: nil
        }
    }

    /// An integer reply; `nil` for other values.
    public var integer: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The elements of an array; `nil` for other values, the null array included.
    public var array: [RESPValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Whether this is the null bulk string or the null array.
    public var isNull: Bool { self == .null }
}

extension RESPValue: CustomStringConvertible {
    /// The value as `redis-cli` would show it on one line: `"hello"`, `(integer) 3`,
    /// `(error) ERR ...`, `(nil)`, `["a", (integer) 1]`.
    public var description: String {
        switch self {
        case .simpleString(let text): text
        case .error(let message): "(error) \(message)"
        case .integer(let value): "(integer) \(value)"
        case .bulkString(let bytes): String(reflecting: String(decoding: bytes, as: UTF8.self))
        case .array(let elements): "[" + elements.map(\.description).joined(separator: ", ") + "]"
        case .null: "(nil)"
        }
    }
}
