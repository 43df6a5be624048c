/// Why a client id no longer works: the `reason` of a `410` answer.
public enum ClientGoneReason: String, Sendable, Hashable {
    /// The id was never issued here, or was forgotten long ago, or is not an id at all.
    case unknown
    /// The client stopped polling for longer than refresh + grace.
    case expired
    /// The page closed it, or a backend disconnected it.
    case closed
    /// It fell behind by more than its queue limit and was dropped.
    case evicted
}
