/// A command for Redis: its name and arguments, each a binary-safe string.
///
/// Encoded as RESP2 requires of clients: an array of bulk strings, so an argument may
/// hold any bytes, CR, LF and NUL included.
///
/// ```swift
/// RedisCommand(["SET", "greeting", "hello"]).encoded()
/// // *3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$5\r\nhello\r\n
/// ```
public struct RedisCommand: Sendable, Hashable, CustomStringConvertible {
    /// The command's name, then its arguments.
    public var arguments: [[UInt8]]

    /// A command from text arguments, each sent as its UTF-8 bytes.
    public init(_ arguments: [String]) {
        self.arguments = arguments.map { Array($0.utf8) }
    }

    /// A command from binary arguments.
    public init(bytes arguments: [[UInt8]]) {
        self.arguments = arguments
    }

    /// The command's name in upper case, for error messages: `"GET"`.
    public var name: String {
        String(decoding: arguments.first ?? [], as: UTF8.self).uppercased()
    }

    /// Appends the command's RESP2 encoding to `buffer`.
    public func encode(into buffer: inout [UInt8]) {
        Self.appendHeader(RESPByte.star, arguments.count, to: &buffer)
        for argument in arguments {
            Self.appendHeader(RESPByte.dollar, argument.count, to: &buffer)
            buffer.append(contentsOf: argument)
            buffer.append(RESPByte.cr)
            buffer.append(RESPByte.lf)
        }
    }

    /// The command's RESP2 encoding.
    public func encoded() -> [UInt8] {
        var buffer: [UInt8] = []
        encode(into: &buffer)
        return buffer
    }

    /// The command as `redis-cli` would take it, arguments quoted: `SET "greeting" "hello"`.
    /// Arguments past the first few are elided, so a log line stays short.
    public var description: String {
        let shown = arguments.dropFirst().prefix(4).map {
            String(reflecting: String(decoding: $0.prefix(64), as: UTF8.self))
        }
        let more = arguments.count > 5 ? " …" : ""
        return ([name] + shown).joined(separator: " ") + more
    }

    private static func appendHeader(_ type: UInt8, _ count: Int, to buffer: inout [UInt8]) {
        buffer.append(type)
        buffer.append(contentsOf: String(count).utf8)
        buffer.append(RESPByte.cr)
        buffer.append(RESPByte.lf)
    }
}
