package import LivePageSystem

/// A connection to Redis that subscribes to channels and delivers their messages, in
/// order, and says at once when the subscription is lost.
///
/// ```swift
/// let subscriber = try await RedisSubscriber.connect(
///     configuration, channels: ["livepage:bus"],
///     onMessage: { message in bus.receive(message.payload) },
///     onEvent: { event in
///         switch event {
///         case .lost: bus.stopServing()     // messages published from now on are missed
///         case .subscribed: bus.resumeServing()
///         case .reconnectFailed: break
///         }
///     }
/// )
/// ```
///
/// Redis does not keep messages for a subscriber that is away: a loss means messages are
/// missed, and `RedisSubscriberEvent.lost(_:)` is reported as soon as the break is seen
/// (end of stream, a reset, a protocol error, or no answer to the health-check `PING`
/// sent after `RedisConfiguration.healthCheckInterval` of silence), so that the owner can
/// stop trusting what it has. The subscriber then reconnects with backoff, subscribes to
/// every channel again, and reports `subscribed(channels:)` once Redis has confirmed them.
///
/// Like `RedisConnection` it runs on an event loop (see `RedisLink`), and has no thread of
/// its own. The handlers run on that loop, one at a time, in the order of the wire; they
/// must return quickly, as the next message and the loop's other work wait for them.
public final class RedisSubscriber: Sendable {
    /// Where the connection goes, and its timeouts.
    public let configuration: RedisConfiguration
    private let link: RedisLink
    private let subscription: Subscription

    private init(configuration: RedisConfiguration, link: RedisLink, subscription: Subscription) {
        self.configuration = configuration
        self.link = link
        self.subscription = subscription
    }

    /// Connects to Redis and subscribes to `channels`, returning once Redis has confirmed
    /// each.
    ///
    /// Only this first connection fails with an error: once it is made, a lost
    /// subscription is re-established in the background until `close()`.
    /// - Parameters:
    ///   - configuration: Where Redis is, and the timeouts.
    ///   - reactor: The event loop that runs the subscriber's I/O and timers.
    ///   - channels: The channels to subscribe to; more can be added with `subscribe(_:)`.
    ///   - onMessage: Called with each message, in order, on the event loop.
    ///   - onEvent: Called on the event loop, in order with the messages, when the
    ///     subscription is made (this first time too), lost, or fails to come back.
    ///     Default none.
    /// - Returns: The subscribed subscriber.
    /// - Throws: `RedisError`, as `RedisConnection.connect(on:)` does.
    package static func connect(
        _ configuration: RedisConfiguration,
        on reactor: any Reactor,
        channels: [String],
        onMessage: @escaping @Sendable (RedisMessage) -> Void,
        onEvent: (@Sendable (RedisSubscriberEvent) -> Void)? = nil
    ) async throws(RedisError) -> RedisSubscriber {
        let link = RedisLink(configuration: configuration, reactor: reactor)
        let subscription = Subscription(configuration: configuration, onMessage: onMessage, onEvent: onEvent)
        let started = await withTaskCancellationHandler {
            await subscription.start(link, channels: channels)
        } onCancel: {
            link.close()
        }
        switch started {
        case .success:
            // A cancellation just as the connection was made has closed it.
            guard !link.isClosed else { throw .cancelled }
            return RedisSubscriber(configuration: configuration, link: link, subscription: subscription)
        case .failure(let error):
            link.close()
            throw Task.isCancelled && error == .closed ? .cancelled : error
        }
    }

    deinit {
        close()
    }

    /// Whether Redis has confirmed every channel on the current connection.
    public var isSubscribed: Bool { subscription.isSubscribed }

    /// Every channel subscribed to, or to be subscribed to on the next connection, in
    /// the order they were given.
    public var channels: [String] { subscription.channels }

    /// Subscribes to more channels, returning once Redis has confirmed each. Channels
    /// already subscribed to are not asked for again.
    ///
    /// The channels are kept even when this fails: they are subscribed to on every later
    /// connection.
    /// - Throws: `RedisError.notConnected(host:port:)` while the subscription is lost,
    ///   `.connectionLost(host:port:)` (or another reason) if it is lost before Redis
    ///   confirms, `.cancelled`, `.closed`.
    public func subscribe(_ channels: [String]) async throws(RedisError) {
        try await subscription.subscribe(channels).get()
    }

    /// Closes the subscription and its connection. Messages already
    /// read may still be delivered while it stops; no event is reported for the close.
    /// Idempotent; also done when the subscriber is released.
    public func close() {
        subscription.close()
        link.close()
    }
}
