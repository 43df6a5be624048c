/// A request head as the decoder hands it to the engine: the public head plus what the
/// engine needs to frame the body and the connection.
struct DecodedHead: Sendable, Equatable {
    /// How the body is delimited.
    enum Framing: Equatable, Sendable {
        /// No body.
        case none
        /// `Content-Length` bytes.
        case length(Int)
        /// `Transfer-Encoding: chunked`.
        case chunked
    }

    /// The request line and headers.
    var head: HTTPRequestHead
    /// How the body is delimited.
    var framing: Framing
    /// Whether the connection may stay open after the response, from the version and any
    /// `Connection` header.
    var keepAlive: Bool
    /// Whether the client sent `Expect: 100-continue` and waits for `100 Continue`.
    var expectsContinue: Bool
}
