/// An HTTP response status: a three-digit code and its reason phrase.
///
/// Two statuses are equal when their codes are equal; the reason phrase is informative only
/// (RFC 9112 §4), so `HTTPStatus(code: 404, reasonPhrase: "Gone Away") == .notFound`.
public struct HTTPStatus: Hashable, Sendable, CustomStringConvertible {
    /// The status code, 100 to 599.
    public var code: Int
    /// The reason phrase sent after the code, for example `"Not Found"`. It must not contain
    /// CR or LF; the engine replaces such a phrase with an empty one.
    public var reasonPhrase: String

    /// Creates a status with an explicit reason phrase.
    /// - Parameters:
    ///   - code: The status code, 100 to 599.
    ///   - reasonPhrase: The phrase sent after the code.
    public init(code: Int, reasonPhrase: String) {
        self.code = code
        self.reasonPhrase = reasonPhrase
    }

    /// Creates a status with the standard reason phrase for `code`, or an empty phrase for a
    /// code this type does not name.
    /// - Parameter code: The status code, 100 to 599.
    public init(code: Int) {
        self.init(code: code, reasonPhrase: Self.standardPhrases[code] ?? "")
    }

    /// The code and phrase, for example `404 Not Found`.
    public var description: String { "\(code) \(reasonPhrase)" }

    /// Compares codes only.
    public static func == (lhs: HTTPStatus, rhs: HTTPStatus) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only, matching `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// `100 Continue`: the interim answer to `Expect: 100-continue`.
    public static let `continue` = HTTPStatus(code: 100)
    /// `200 OK`.
    public static let ok = HTTPStatus(code: 200)
    /// `201 Created`.
    public static let created = HTTPStatus(code: 201)
    /// `204 No Content`: sent without a body and without `Content-Length`.
    public static let noContent = HTTPStatus(code: 204)
    /// `304 Not Modified`: sent without a body.
    public static let notModified = HTTPStatus(code: 304)
    /// `400 Bad Request`: malformed syntax or framing.
    public static let badRequest = HTTPStatus(code: 400)
    /// `401 Unauthorized`.
    public static let unauthorized = HTTPStatus(code: 401)
    /// `403 Forbidden`.
    public static let forbidden = HTTPStatus(code: 403)
    /// `404 Not Found`.
    public static let notFound = HTTPStatus(code: 404)
    /// `405 Method Not Allowed`: send an `Allow` header with it.
    public static let methodNotAllowed = HTTPStatus(code: 405)
    /// `409 Conflict`.
    public static let conflict = HTTPStatus(code: 409)
    /// `410 Gone`.
    public static let gone = HTTPStatus(code: 410)
    /// `413 Content Too Large`: the body is over the accepted size.
    public static let payloadTooLarge = HTTPStatus(code: 413)
    /// `414 URI Too Long`: the request-target is over `HTTPLimits.maxTargetSize`.
    public static let uriTooLong = HTTPStatus(code: 414)
    /// `415 Unsupported Media Type`.
    public static let unsupportedMediaType = HTTPStatus(code: 415)
    /// `429 Too Many Requests`.
    public static let tooManyRequests = HTTPStatus(code: 429)
    /// `431 Request Header Fields Too Large`: over `HTTPLimits.maxHeaderSize` or `maxHeaderCount`.
    public static let requestHeaderFieldsTooLarge = HTTPStatus(code: 431)
    /// `500 Internal Server Error`.
    public static let internalServerError = HTTPStatus(code: 500)
    /// `501 Not Implemented`: an unknown method or transfer coding.
    public static let notImplemented = HTTPStatus(code: 501)
    /// `503 Service Unavailable`.
    public static let serviceUnavailable = HTTPStatus(code: 503)
    /// `505 HTTP Version Not Supported`: a version other than 1.0 and 1.1.
    public static let httpVersionNotSupported = HTTPStatus(code: 505)

    private static let standardPhrases: [Int: String] = [
        100: "Continue", 101: "Switching Protocols",
        200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 206: "Partial Content",
        301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
        307: "Temporary Redirect", 308: "Permanent Redirect",
        400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
        405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout", 409: "Conflict",
        410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Content Too Large",
        414: "URI Too Long", 415: "Unsupported Media Type", 417: "Expectation Failed",
        422: "Unprocessable Content", 428: "Precondition Required", 429: "Too Many Requests",
        431: "Request Header Fields Too Large",
        500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
        503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
    ]
}
