/// What happened to a `RedisConnection`'s link to Redis, as reported to its event
/// handler, in order, on the connection's event loop.
public enum RedisConnectionEvent: Sendable, Equatable {
    /// A connection is up and Redis answered `PING`: the first one, or a reconnection.
    case connected
    /// The connection broke, for the reason given; every command waiting for a reply has
    /// failed, new ones fail at once with `RedisError.notConnected(host:port:)`, and
    /// reconnection has begun.
    case disconnected(RedisError)
    /// An attempt to reconnect failed; the next one follows after a backoff.
    case reconnectFailed(RedisError)
}
