/// One request an ``HTTPClient`` sends: a method, a path, header fields, a body and how
/// long to wait for the whole answer.
///
/// The client adds what framing needs: `Host`, `Content-Length` and `User-Agent`
/// (unless given). Fields whose name is not a token or whose value holds CR, LF or NUL
/// are left out.
public struct HTTPClientRequest: Sendable {
    /// The method; `POST` by default.
    public var method: HTTPMethod
    /// The request target: a path with its query, such as `/hooks/input?v=1`.
    public var path: String
    /// The header fields.
    public var headers: HTTPHeaders
    /// The body.
    public var body: [UInt8]
    /// How long the request may take, from the call until the whole answer arrived,
    /// waiting for a connection included; default 5 seconds.
    public var timeout: Duration

    /// A request.
    /// - Parameters:
    ///   - method: The method (`POST`).
    ///   - path: The target, starting with `/`.
    ///   - headers: The header fields (none).
    ///   - body: The body (empty).
    ///   - timeout: The time the whole exchange may take (5 s).
    public init(
        method: HTTPMethod = .post, path: String, headers: HTTPHeaders = [:], body: [UInt8] = [],
        timeout: Duration = .seconds(5)
    ) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// The request's bytes on the wire, for the server `authority` (`host:port`).
    func encoded(authority: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + body.count)
        let target = path.utf8.allSatisfy(ASCII.isTargetCharacter) && path.hasPrefix("/") ? path : "/"
        ASCII.append("\(method.rawValue) \(target) HTTP/1.1\r\nHost: \(authority)\r\n", to: &bytes)
        var hasUserAgent = false
        for field in headers {
            let lowercased = field.name.lowercased()
            guard ASCII.isToken(field.name), ASCII.isFieldValue(field.value),
                !["host", "content-length", "transfer-encoding", "connection"].contains(lowercased)
            else { continue }
            if lowercased == "user-agent" { hasUserAgent = true }
            ASCII.append("\(field.name): \(field.value)\r\n", to: &bytes)
        }
        if !hasUserAgent { ASCII.append("User-Agent: livepage\r\n", to: &bytes) }
        if !body.isEmpty || method == .post || method == .put {
            ASCII.append("Content-Length: \(body.count)\r\n", to: &bytes)
        }
        ASCII.append("\r\n", to: &bytes)
        bytes.append(contentsOf: body)
        return bytes
    }
}

/// A whole answer an ``HTTPClient`` received.
public struct HTTPClientResponse: Sendable {
    /// The status code, such as 200.
    public var status: Int
    /// The header fields, in order.
    public var headers: HTTPHeaders
    /// The body, de-chunked.
    public var body: [UInt8]

    /// A response.
    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
