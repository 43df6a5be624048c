/// The outcome of a non-blocking call: done with a value, or it would have blocked.
///
/// Would-block is an expected outcome on a non-blocking socket, not an error, so it is a
/// value here and callers switch over it (as NIO's `IOResult` does).
package enum IOResult<Value> {
    /// The call did its work and returned `Value`.
    case processed(Value)
    /// The call would have blocked (`EAGAIN`/`EWOULDBLOCK`); wait for readiness.
    case wouldBlock
}
