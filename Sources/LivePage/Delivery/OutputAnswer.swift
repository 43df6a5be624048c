/// How an output request is answered.
public enum OutputAnswer: Sendable {
    /// Events for the page (`200`); an empty batch is an idle answer.
    case events(OutputBatch)
    /// A newer output request for the client took over (`409`).
    case superseded
    /// The client id does not work (`410` with the reason).
    case gone(ClientGoneReason)
    /// The server is shutting down (`503` with a spread `Retry-After`).
    case shuttingDown
    /// The server cannot serve output for now: it lost the other servers of its site and
    /// may be missing events (`503` with a spread `Retry-After`).
    case unavailable
}
