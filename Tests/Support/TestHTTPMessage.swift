/// A request for ``TestHTTPClient``: the method, target, header fields and body exactly as
/// they will be sent, plus `Host` and `Content-Length` when the request does not set them.
public struct TestHTTPRequest: Sendable {
    /// The method, such as `"GET"`.
    public var method: String
    /// The request target, such as `"/livepage/health"` or `"/path?query"`.
    public var target: String
    /// The header fields, in order, duplicates kept.
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: [UInt8]

    /// A request.
    /// - Parameters:
    ///   - method: The method, sent as given.
    ///   - target: The request target, sent as given.
    ///   - headers: The header fields, in order.
    ///   - body: The body; `Content-Length` is added for it unless a header frames it.
    public init(_ method: String, _ target: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// A request with a UTF-8 text body.
    public init(_ method: String, _ target: String, headers: [(name: String, value: String)] = [], body: String) {
        self.init(method, target, headers: headers, body: Array(body.utf8))
    }

    /// Whether a header field named `name` (case-insensitive) is present.
    public func hasHeader(_ name: String) -> Bool {
        headers.contains { $0.name.lowercased() == name.lowercased() }
    }

    /// The bytes on the wire, with `Host: <host>` first unless the request sets `Host`, and
    /// `Content-Length` unless it sets it or `Transfer-Encoding`, or has no body and a
    /// method that takes none.
    public func serialized(host: String) -> [UInt8] {
        var head = "\(method) \(target) HTTP/1.1\r\n"
        if !hasHeader("Host") { head += "Host: \(host)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let takesBody = !body.isEmpty || ["POST", "PUT", "PATCH"].contains(method)
        if takesBody, !hasHeader("Content-Length"), !hasHeader("Transfer-Encoding") {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + body
    }
}

/// One response as ``TestHTTPClient`` read it: the status line, every header field in
/// order, and the body with its framing (length or chunks) removed.
public struct TestHTTPResponse: Sendable, CustomStringConvertible {
    /// The version in the status line, such as `"HTTP/1.1"`.
    public var version: String
    /// The status code.
    public var status: Int
    /// The reason phrase.
    public var reason: String
    /// The header fields, in the order received, duplicates kept.
    public var headers: [(name: String, value: String)]
    /// The body, de-chunked.
    public var body: [UInt8]

    /// A response, as the client builds it after parsing.
    public init(version: String, status: Int, reason: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }

    /// The body as UTF-8 text (invalid bytes replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The value of the first header field named `name` (case-insensitive), or `nil`.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The values of every header field named `name` (case-insensitive), in order.
    public func headers(named name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// Whether the response asks for the connection to close.
    public var closesConnection: Bool {
        headers(named: "Connection").contains { $0.lowercased().split(separator: ",").contains { $0.trimmingSpaces == "close" } }
    }

    /// The status line, the header fields and up to 2,000 bytes of the body, for failure
    /// messages.
    public var description: String {
        var text = "\(version) \(status) \(reason)\n"
        for (name, value) in headers { text += "\(name): \(value)\n" }
        text += "\n" + String(decoding: body.prefix(2000), as: UTF8.self)
        if body.count > 2000 { text += "... (\(body.count) bytes)" }
        return text
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
