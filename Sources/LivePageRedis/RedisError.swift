import LivePageSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Why a Redis connection or command failed, in words a user can act on.
///
/// A struct wrapping a private enum, so cases can be added without breaking callers; match
/// with `==` against the static members, or with the properties for whole families:
///
/// ```swift
/// do {
///     _ = try await connection.send(["PING"])
/// } catch where error == .unreachable(host: "127.0.0.1", port: 6379, errno: ECONNREFUSED) {
///     ...
/// } catch where error.replyCode == "WRONGTYPE" {
///     ...
/// }
/// ```
///
/// Some errors carry a detail for people (the C library's text for an errno, the reply
/// that did not fit): it is in `description` but not compared by `==`, so a static member
/// matches whatever the detail.
public struct RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Reason: Sendable, Equatable {
        case invalidAddress(String)
        case cannotResolve(host: String, port: Int)
        case unreachable(host: String, port: Int, errno: Int32)
        case connectTimeout(host: String, port: Int)
        case connectionLost(host: String, port: Int)
        case notConnected(host: String, port: Int)
        case replyTimeout(host: String, port: Int)
        case reply(String)
        case protocolViolation(RESPDecodingError)
        case unexpectedReply(command: String)
        case tooManyPendingCommands(limit: Int)
        case cancelled
        case closed
    }

    private let reason: Reason
    private let detail: String?

    private init(_ reason: Reason, detail: String? = nil) {
        self.reason = reason
        self.detail = detail
    }

    /// Equal when they say the same thing went wrong in the same place; the detail for
    /// people is not compared.
    public static func == (lhs: RedisError, rhs: RedisError) -> Bool { lhs.reason == rhs.reason }

    /// The same error with `detail` shown after its sentence.
    func with(detail: String) -> RedisError { RedisError(reason, detail: detail) }

    /// An address is not `HOST:PORT`, `HOST`, or `[IPV6]:PORT` with a port in 1...65535.
    public static func invalidAddress(_ address: String) -> RedisError { RedisError(.invalidAddress(address)) }

    /// The host name does not resolve to an address.
    public static func cannotResolve(host: String, port: Int) -> RedisError {
        RedisError(.cannotResolve(host: host, port: port))
    }

    /// No TCP connection could be made: `errno` is why, for example `ECONNREFUSED` when
    /// nothing listens on the port.
    public static func unreachable(host: String, port: Int, errno: Int32) -> RedisError {
        RedisError(.unreachable(host: host, port: port, errno: errno))
    }

    /// The TCP connection, or Redis's answer to the first `PING`, did not come within the
    /// connect timeout.
    public static func connectTimeout(host: String, port: Int) -> RedisError {
        RedisError(.connectTimeout(host: host, port: port))
    }

    /// The connection broke while the command waited for its reply: Redis closed it,
    /// stopped, or the connection was reset after another command's reply timed out. The
    /// command may or may not have run.
    public static func connectionLost(host: String, port: Int) -> RedisError {
        RedisError(.connectionLost(host: host, port: port))
    }

    /// The connection is down and being re-established, so the command was not sent.
    public static func notConnected(host: String, port: Int) -> RedisError {
        RedisError(.notConnected(host: host, port: port))
    }

    /// Redis did not reply within the reply timeout. The connection is closed and reopened,
    /// since later replies could no longer be matched to their commands.
    public static func replyTimeout(host: String, port: Int) -> RedisError {
        RedisError(.replyTimeout(host: host, port: port))
    }

    /// Redis answered with an error reply, such as `ERR unknown command 'FOO'` or
    /// `WRONGTYPE Operation against a key holding the wrong kind of value`; see
    /// `replyCode` to match its first word.
    public static func reply(_ message: String) -> RedisError { RedisError(.reply(message)) }

    /// Redis sent bytes that are not RESP2, or break a `RESPLimits` limit; the connection
    /// is closed and reopened.
    public static func protocolViolation(_ error: RESPDecodingError) -> RedisError {
        RedisError(.protocolViolation(error))
    }

    /// A typed helper got a reply of another shape than its command has (`command` is its
    /// name, such as `"GET"`).
    public static func unexpectedReply(to command: String) -> RedisError {
        RedisError(.unexpectedReply(command: command))
    }

    /// More commands wait for replies than `RedisConfiguration.maximumPendingCommands`.
    public static func tooManyPendingCommands(limit: Int) -> RedisError {
        RedisError(.tooManyPendingCommands(limit: limit))
    }

    /// The waiting task was cancelled. A command already sent may still run; its reply is
    /// discarded.
    public static let cancelled = RedisError(.cancelled)

    /// The connection was closed by its owner (`close()`).
    public static let closed = RedisError(.closed)

    /// The message of an error reply, such as `ERR unknown command 'FOO'`; `nil` for other
    /// errors.
    public var replyMessage: String? {
        if case .reply(let message) = reason { return message }
        return nil
    }

    /// The first word of an error reply, such as `ERR`, `WRONGTYPE`, `NOSCRIPT` or
    /// `NOAUTH`; `nil` for other errors.
    public var replyCode: String? {
        replyMessage.map { String($0.prefix { $0 != " " }) }
    }

    /// Whether the error says Redis could not be reached or did not answer in time (as
    /// opposed to answering with an error, or a mistake of the caller): the errors for
    /// which LivePage answers `503 Service Unavailable`.
    public var isConnectionFailure: Bool {
        switch reason {
        case .cannotResolve, .unreachable, .connectTimeout, .connectionLost, .notConnected, .replyTimeout,
            .protocolViolation:
            true
        default:
            false
        }
    }

    /// A sentence saying what went wrong, with the detail where there is one.
    public var description: String {
        let sentence: String =
            switch reason {
            case .invalidAddress(let address):
                "\"\(address)\" is not a Redis address: use HOST:PORT, such as 127.0.0.1:6379"
            case .cannotResolve(let host, let port):
                "cannot connect to Redis at \(Self.address(host, port)): the host name does not resolve"
            case .unreachable(let host, let port, let code):
                "cannot connect to Redis at \(Self.address(host, port)): \(SystemCallError.describe(code)) (errno \(code));"
                    + " is redis-server running there?"
            case .connectTimeout(let host, let port):
                "Redis at \(Self.address(host, port)) did not answer within the connect timeout"
            case .connectionLost(let host, let port):
                "the connection to Redis at \(Self.address(host, port)) was lost"
            case .notConnected(let host, let port):
                "not connected to Redis at \(Self.address(host, port)); reconnecting"
            case .replyTimeout(let host, let port):
                "Redis at \(Self.address(host, port)) did not reply within the reply timeout"
            case .reply(let message):
                "Redis answered with an error: \(message)"
            case .protocolViolation(let error):
                "Redis sent an invalid reply: \(error)"
            case .unexpectedReply(let command):
                "Redis answered \(command) with a reply of an unexpected shape"
            case .tooManyPendingCommands(let limit):
                "more than \(limit) Redis commands are waiting for their replies"
            case .cancelled:
                "the Redis command was cancelled"
            case .closed:
                "the Redis connection was closed"
            }
        guard let detail else { return sentence }
        return sentence + " (\(detail))"
    }

    /// `host:port`, or `[host]:port` for an IPv6 literal.
    static func address(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
