/// Answers a poll for several clients (``ClientManager/poll(_:waiter:)``), once, on any
/// thread.
public typealias MultiPollWaiter = @Sendable (MultiPollAnswer) -> Void

/// One client of a poll for several: its id, and the highest seq its page has applied.
public struct PollRequest: Sendable, Hashable {
    /// The client, or `nil` for text that is no client id at all (its result is
    /// ``ClientPollResult/gone(_:)`` with ``ClientGoneReason/unknown``, as for a single
    /// poll).
    public let client: ClientID?
    /// The highest seq its page has applied, as the `after` of a single poll.
    public let after: UInt64

    /// A request for `client`'s events above `after`.
    public init(client: ClientID?, after: UInt64) {
        self.client = client
        self.after = after
    }
}

/// How a poll for several clients is answered.
public enum MultiPollAnswer: Sendable {
    /// One result per client, in the order of the request.
    case results([ClientPollResult])
    /// The server is shutting down (`503` with a spread `Retry-After`).
    case shuttingDown
    /// The server cannot serve output for now (`503`), as ``OutputAnswer/unavailable``.
    case unavailable
}

/// What one client of a poll for several gets: what its own poll would have been
/// answered.
public enum ClientPollResult: Sendable {
    /// Its events, in seq order; an empty batch when another client's events, or the hold
    /// time, ended the poll.
    case events(OutputBatch)
    /// Another output request for this client took over (`409`).
    case superseded
    /// The client id does not work (`410` with the reason).
    case gone(ClientGoneReason)
    /// `after` is above the last seq given to the client (`400`).
    case afterBeyondLastSeq

    /// The result a single poll's answer stands for.
    init(_ answer: OutputAnswer) {
        switch answer {
        case .events(let batch): self = .events(batch)
        case .superseded: self = .superseded
        case .gone(let reason): self = .gone(reason)
        // The whole poll is answered so; never one client's result.
        case .shuttingDown, .unavailable: self = .events(OutputBatch.idle)
        }
    }
}
