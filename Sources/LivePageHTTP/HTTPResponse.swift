/// A response for the engine to send: a status, header fields and a whole body.
///
/// The engine adds what framing requires, so a handler sets none of it: `Content-Length`
/// (replacing any sent by the handler; omitted for `204` and `1xx`), `Date`, `Connection`
/// when the connection closes, and the configuration's `defaultHeaders` that the response
/// does not already carry. A `HEAD` request gets the headers, with the length the body has,
/// and no body.
public struct HTTPResponse: Sendable {
    /// The status line's code and reason phrase.
    public var status: HTTPStatus
    /// The header fields, sent in this order. Fields whose name is not a token or whose
    /// value holds CR, LF or NUL are dropped (and logged) rather than sent.
    public var headers: HTTPHeaders
    /// The body bytes.
    public var body: [UInt8]

    /// Creates a response.
    /// - Parameters:
    ///   - status: The status; `200 OK` by default.
    ///   - headers: The header fields; none by default.
    ///   - body: The body; empty by default.
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Creates a response with a text body and its content type.
    /// - Parameters:
    ///   - status: The status; `200 OK` by default.
    ///   - contentType: The `Content-Type`; `text/plain; charset=utf-8` by default.
    ///   - body: The body, sent as UTF-8.
    public init(status: HTTPStatus = .ok, contentType: String = "text/plain; charset=utf-8", body: String) {
        self.init(status: status, headers: ["Content-Type": contentType], body: Array(body.utf8))
    }

    /// A JSON error response, `{"error":"<message>"}` as `application/json`, the form every
    /// LivePage error takes.
    /// - Parameters:
    ///   - status: The error status, for example `.badRequest`.
    ///   - message: One clear sentence for the person reading it; JSON-escaped here.
    /// - Returns: The response.
    public static func jsonError(_ status: HTTPStatus, _ message: String) -> HTTPResponse {
        var body = Array(#"{"error":""#.utf8)
        appendJSONEscaped(message, to: &body)
        body.append(contentsOf: #""}"#.utf8)
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: body)
    }

    /// Appends `string` with JSON string escaping (RFC 8259 §7) and no quotes.
    static func appendJSONEscaped(_ string: String, to bytes: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
            case 0x0A: bytes.append(contentsOf: #"\n"#.utf8)
            case 0x0D: bytes.append(contentsOf: #"\r"#.utf8)
            case 0x09: bytes.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                bytes.append(contentsOf: #"\u00"#.utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
    }
}
