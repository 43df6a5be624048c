/// What happened to a `RedisSubscriber`'s subscription, as reported to its event handler,
/// in order with the messages, on the subscriber's event loop.
///
/// The events alternate: `subscribed`, then `lost`, then `subscribed` again once the
/// subscription is back, and so on. Between a `lost` and the next `subscribed`, messages
/// published to the channels are missed: Redis does not keep them.
public enum RedisSubscriberEvent: Sendable, Equatable {
    /// Redis confirmed the subscription to every channel on a new connection: the first,
    /// or after a loss. Messages are delivered from now on (with several channels, those
    /// on a channel confirmed first may come just before this event).
    case subscribed(channels: [String])
    /// The subscription's connection broke (or stopped answering its health-check `PING`),
    /// for the reason given; reconnection has begun. Reported as soon as the break is
    /// seen, before any attempt to reconnect.
    case lost(RedisError)
    /// An attempt to reconnect failed; the next one follows after a backoff.
    case reconnectFailed(RedisError)
}
