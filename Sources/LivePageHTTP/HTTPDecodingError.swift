/// Why the decoder refused a request: the status to answer and a sentence for the client.
///
/// Every such response is `{"error":"<message>"}` with `Connection: close`, and the engine
/// closes the connection after writing it.
struct HTTPDecodingError: Error, Equatable, CustomStringConvertible {
    /// The status: 400, 413, 414, 431, 501 or 505.
    var status: HTTPStatus
    /// One sentence saying what was wrong, for the response body.
    var message: String

    init(_ status: HTTPStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    var description: String { "\(status.code): \(message)" }

    /// The JSON response the engine sends for this error.
    var response: HTTPResponse { .jsonError(status, message) }

    static func badRequest(_ message: String) -> HTTPDecodingError { HTTPDecodingError(.badRequest, message) }
}
