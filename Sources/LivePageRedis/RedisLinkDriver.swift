import LivePageSystem

/// What a `RedisLink` asks of the connection it carries (commands or a subscription).
///
/// Every method is called on the link's event loop, one at a time, in the order things
/// happen on the wire; a driver shares state with other threads behind its own `Mutex`.
protocol RedisLinkDriver: Sendable {
    /// A connection has been made and Redis has answered its `PING`: the first one, or a
    /// reconnection.
    func linkDidConnect(at now: MonotonicTime)

    /// The first connection could not be made; the link has stopped.
    func linkDidFailToStart(_ error: RedisError)

    /// An attempt to reconnect failed; the link waits, then tries again.
    func linkDidFailToReconnect(_ error: RedisError)

    /// Moves the bytes waiting to be written onto `stream`, and rearms the wake-up that
    /// tells the link there are more.
    func takeOutput(into stream: inout RedisStream)

    /// A whole value arrived from Redis.
    /// - Throws: A `RedisError` to close the connection with (and then reconnect).
    func linkDidReceive(_ value: RESPValue, at now: MonotonicTime) throws(RedisError)

    /// The next moment the driver needs `linkDidReachDeadline(at:)`, if any.
    func nextDeadline() -> MonotonicTime?

    /// The moment from `nextDeadline()` has come.
    /// - Throws: A `RedisError` to close the connection with (and then reconnect).
    func linkDidReachDeadline(at now: MonotonicTime) throws(RedisError)

    /// The connection is gone: `error` says why, `RedisError.closed` when its owner closed
    /// it. Everything waiting on it must be failed.
    func linkDidLose(_ error: RedisError)
}
