/// One complete request: its head, its whole body, and where it came from.
///
/// The engine has already enforced RFC 9112 framing and the configured limits; a handler
/// sees only well-formed requests with one of the methods `HTTPMethod` names.
public struct HTTPRequest: Sendable, Equatable {
    /// The method, target, version and headers, as the handler saw them in
    /// `HTTPHandler.maximumBodySize(for:)`.
    public var head: HTTPRequestHead
    /// The body, de-chunked; empty when the request has none.
    public var body: [UInt8]
    /// The peer's address and port, as `127.0.0.1:53211` or `[::1]:53211`.
    public var remoteAddress: String

    /// Creates a request, as the engine does once the body has arrived; tests use it to call
    /// handlers directly.
    /// - Parameters:
    ///   - head: The method, target, version and headers.
    ///   - body: The body bytes.
    ///   - remoteAddress: The peer's address, `host:port`.
    public init(head: HTTPRequestHead, body: [UInt8] = [], remoteAddress: String = "") {
        self.head = head
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The request method.
    public var method: HTTPMethod {
        get { head.method }
        set { head.method = newValue }
    }
    /// The request-target exactly as sent.
    public var target: String {
        get { head.target }
        set { head.target = newValue }
    }
    /// The target up to `?`, not percent-decoded.
    public var path: String { head.path }
    /// The target after the first `?`, raw; `nil` when there is no `?`.
    public var query: String? { head.query }
    /// The protocol version of the request line.
    public var version: HTTPVersion {
        get { head.version }
        set { head.version = newValue }
    }
    /// The header fields in the order received.
    public var headers: HTTPHeaders {
        get { head.headers }
        set { head.headers = newValue }
    }
}
