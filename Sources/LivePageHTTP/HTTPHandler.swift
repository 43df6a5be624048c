/// The code that answers requests, called by the engine without a hop and without a task.
///
/// The engine calls `handle(_:responder:)` on the connection's event-loop thread, once per
/// request and in the order requests arrive on a connection; the next request on that
/// connection is not read until this one's response has been handed to the socket. The call
/// must not block: answer at once through the responder, or keep the responder and answer
/// later, from any thread. A kept responder is how a long-poll parks: it costs its memory
/// only, never a thread or a task, and the engine sets no timeout on it.
public protocol HTTPHandler: Sendable {
    /// Handles one request.
    /// - Parameters:
    ///   - request: The complete request, body included.
    ///   - responder: The one-shot handle that sends the response; see `HTTPResponder`.
    func handle(_ request: HTTPRequest, responder: HTTPResponder)

    /// The largest body, in bytes, to accept for a request with this head.
    ///
    /// Decided before any of the body is read: a `Content-Length` over it is answered `413` at
    /// once, and a chunked body as soon as its total passes it. Asked only of a request that
    /// declares a body (a `Content-Length` above 0, or chunked). The configuration's
    /// `HTTPLimits.maxBodySize` caps the value returned here. The default returns `Int.max`,
    /// which leaves the configured limit (1 MiB unless changed) in force.
    /// - Parameter head: The request line and headers.
    /// - Returns: The limit in bytes.
    func maximumBodySize(for head: HTTPRequestHead) -> Int

    /// Called once when graceful shutdown begins, before its deadline, so the handler can
    /// answer the requests it holds (LivePage answers its parked polls `503`). The default
    /// does nothing.
    func serverWillShutDown()
}

extension HTTPHandler {
    /// Returns `Int.max`: the configuration's `HTTPLimits.maxBodySize` applies.
    public func maximumBodySize(for head: HTTPRequestHead) -> Int { .max }

    /// Does nothing.
    public func serverWillShutDown() {}
}
