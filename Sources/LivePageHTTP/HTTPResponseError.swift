/// An error that knows the response it should produce.
///
/// Throw one from an async handler (`HTTPServer(configuration:handler:)`) to answer with its
/// status and body, for example a `400` naming the bad field or a `410` for an expired
/// client. Any other thrown error is answered `500` with a generic JSON message and logged,
/// so no internals reach the client.
///
/// ```swift
/// struct ClientGone: HTTPResponseError {
///     func response() -> HTTPResponse { .jsonError(.gone, "This client has expired.") }
/// }
/// ```
public protocol HTTPResponseError: Error {
    /// The response that reports this error to the client.
    func response() -> HTTPResponse
}
