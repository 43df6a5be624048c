/// What is known of a request once its headers have arrived, before its body is read.
///
/// The engine hands it to `HTTPHandler.maximumBodySize(for:)`, so a handler can accept a
/// large body on one route and a small one on another before any of it is buffered.
public struct HTTPRequestHead: Sendable, Equatable {
    /// The request method; always one of the methods `HTTPMethod` names.
    public var method: HTTPMethod
    /// The request-target exactly as sent, for example `/clients/42/output?after=7`.
    public var target: String
    /// The target up to `?`, not percent-decoded, for example `/clients/42/output`. For an
    /// absolute-form target (`http://host/path`) this is the path part; for `OPTIONS *` it is `*`.
    public var path: String
    /// The target after the first `?`, not decoded; `nil` when there is no `?`.
    public var query: String?
    /// The protocol version of the request line.
    public var version: HTTPVersion
    /// The header fields in the order received.
    public var headers: HTTPHeaders

    /// Creates a request head.
    /// - Parameters:
    ///   - method: The request method.
    ///   - target: The raw request-target.
    ///   - version: The protocol version; HTTP/1.1 by default.
    ///   - headers: The header fields.
    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = [:]) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        (path, query) = Self.split(target: target)
    }

    /// Splits a target into its path and query (the part after the first `?`).
    static func split(target: String) -> (path: String, query: String?) {
        let bytes = Array(target.utf8)
        var start = 0
        if bytes.first != UInt8(ascii: "/"), let scheme = bytes.firstRange(of: Array("://".utf8)) {
            // Absolute form: the path starts at the first "/" or "?" after the authority.
            start =
                bytes[scheme.upperBound...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }
                ?? bytes.endIndex
        }
        let mark = bytes[start...].firstIndex(of: UInt8(ascii: "?"))
        let pathBytes = bytes[start..<(mark ?? bytes.endIndex)]
        let path = pathBytes.isEmpty ? "/" : String(decoding: pathBytes, as: UTF8.self)
        let query = mark.map { String(decoding: bytes[($0 + 1)...], as: UTF8.self) }
        return (path, query)
    }
}
