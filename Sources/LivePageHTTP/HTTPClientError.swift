/// Why an ``HTTPClient`` request got no response: a caller can match the case (a
/// timeout is not a refused connection), and the description is one sentence for a log.
public struct HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case queueFull(Int)
        case timedOut
        case connectionFailed(String)
        case connectionClosed
        case invalidResponse(String)
        case responseTooLarge(Int)
        case stopped
        case invalidAddress(String)
    }

    private let kind: Kind

    private init(_ kind: Kind) { self.kind = kind }

    /// Every connection is busy and `limit` requests wait already: refused at once.
    public static func queueFull(limit: Int) -> HTTPClientError { HTTPClientError(.queueFull(limit)) }

    /// No whole response arrived within the request's timeout.
    public static let timedOut = HTTPClientError(.timedOut)

    /// The connection could not be made (`reason`: refused, unreachable, ...).
    public static func connectionFailed(_ reason: String) -> HTTPClientError { HTTPClientError(.connectionFailed(reason)) }

    /// The peer closed or reset the connection before a whole response.
    public static let connectionClosed = HTTPClientError(.connectionClosed)

    /// The peer answered with something that is not an HTTP/1.1 response (`reason`).
    public static func invalidResponse(_ reason: String) -> HTTPClientError { HTTPClientError(.invalidResponse(reason)) }

    /// The response's head or body is larger than the client takes (`limit` bytes).
    public static func responseTooLarge(limit: Int) -> HTTPClientError { HTTPClientError(.responseTooLarge(limit)) }

    /// The event loop the client runs on has stopped, or never started.
    public static let stopped = HTTPClientError(.stopped)

    /// The configured host is not an address the client can use.
    public static func invalidAddress(_ host: String) -> HTTPClientError { HTTPClientError(.invalidAddress(host)) }

    /// Whether the request ran out of time (a gateway answers `504` rather than `502`).
    public var isTimeout: Bool { kind == .timedOut }

    /// Whether the request was refused because the queue was full (`503`).
    public var isQueueFull: Bool {
        if case .queueFull = kind { return true }
        return false
    }

    /// One sentence saying what happened.
    public var description: String {
        switch kind {
        case .queueFull(let limit): "every connection is busy and \(limit) requests are waiting already"
        case .timedOut: "no answer came within the timeout"
        case .connectionFailed(let reason): "the connection could not be made (\(reason))"
        case .connectionClosed: "the connection closed before a whole answer arrived"
        case .invalidResponse(let reason): "the answer is not valid HTTP/1.1 (\(reason))"
        case .responseTooLarge(let limit): "the answer is larger than \(limit) bytes"
        case .stopped: "the server is stopping"
        case .invalidAddress(let host): "'\(host)' is not an address that can be reached"
        }
    }
}
