/// What is known of a request once its headers have arrived, before its body is read.
///
/// The engine hands it to `HTTPHandler.maximumBodySize(for:)`, so a handler can accept a
/// large body on one route and a small one on another before any of it is buffered.
///
/// The path and the query are not copies: they are read from the target's bytes through the
/// offsets of ``TargetParts``, found once when the target is set. A target of up to 96 bytes
/// is held in place (``RequestTarget``), so a router that matches bytes
/// (``withPathBytes(_:)``) makes no string at all.
public struct HTTPRequestHead: Sendable, Equatable {
    /// The request method; always one of the methods `HTTPMethod` names.
    public var method: HTTPMethod
    /// The request-target exactly as sent, for example `/clients/42/output?after=7`.
    /// Setting it sets ``path`` and ``query`` too.
    public var target: String {
        get { storedTarget.string }
        set {
            storedTarget = RequestTarget(newValue)
            parts = storedTarget.withUTF8 { TargetParts(bytes: $0) }
        }
    }
    /// The target's bytes.
    private var storedTarget: RequestTarget
    /// Where the path and the query lie in the target's UTF-8.
    private var parts: TargetParts
    /// The protocol version of the request line.
    public var version: HTTPVersion
    /// The header fields in the order received.
    public var headers: HTTPHeaders

    /// The target up to `?`, not percent-decoded, for example `/clients/42/output`. For an
    /// absolute-form target (`http://host/path`) this is the path part; for `OPTIONS *` it is
    /// `*`. Made from the target's bytes on each read: a router reads it once, or matches the bytes
    /// with ``withPathBytes(_:)``.
    public var path: String {
        withPathBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// The target after the first `?`, not decoded; `nil` when there is no `?`.
    public var query: String? {
        withQueryBytes { bytes in bytes.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Creates a request head.
    /// - Parameters:
    ///   - method: The request method.
    ///   - target: The raw request-target.
    ///   - version: The protocol version; HTTP/1.1 by default.
    ///   - headers: The header fields.
    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = [:]) {
        self.init(method: method, target: RequestTarget(target), version: version, headers: headers)
    }

    /// A head whose target is `target`, as the decoder makes it from the request line.
    init(method: HTTPMethod, target: RequestTarget, version: HTTPVersion, headers: HTTPHeaders) {
        self.method = method
        self.storedTarget = target
        self.parts = target.withUTF8 { TargetParts(bytes: $0) }
        self.version = version
        self.headers = headers
    }

    /// Calls `body` with ``path``'s UTF-8 bytes in place, without making a string: for
    /// routers that run on every request. `/` when the target's path is empty.
    package func withPathBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        guard !parts.path.isEmpty else {
            return withUnsafeBytes(of: UInt8(ascii: "/")) { body($0.assumingMemoryBound(to: UInt8.self)) }
        }
        return withTargetBytes { body(UnsafeBufferPointer(rebasing: $0[parts.path.start..<parts.path.end])) }
    }

    /// Calls `body` with ``query``'s UTF-8 bytes in place, or `nil` when there is no `?`.
    package func withQueryBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>?) -> Result) -> Result {
        guard let query = parts.query else { return body(nil) }
        return withTargetBytes { body(UnsafeBufferPointer(rebasing: $0[query.start..<query.end])) }
    }

    /// The target's UTF-8, contiguous and in place (``RequestTarget/withUTF8(_:)``).
    private func withTargetBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        storedTarget.withUTF8(body)
    }
}
