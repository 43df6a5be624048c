/// A response body the engine writes straight into its output, for a body made fresh for
/// every response (a long-poll's events): built in an array of its own, it would cost an
/// allocation and a copy per response.
///
/// The engine reads ``count`` for `Content-Length`, then calls ``write(to:)`` once to append
/// the bytes after the head. A conforming type of up to three words (an array and a range,
/// say) is held in the response without an allocation.
public protocol HTTPResponseBody: Sendable {
    /// The body's length in bytes: exactly as many as ``write(to:)`` appends. A body that
    /// writes another number is not sent; the request is answered `500` instead.
    var count: Int { get }

    /// Appends the body's bytes to `bytes`.
    /// - Parameter bytes: The output so far, which the body extends.
    func write(to bytes: inout [UInt8])
}
