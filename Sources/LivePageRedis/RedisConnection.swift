/// A connection to Redis for commands, pipelining every caller's commands over one
/// socket.
///
/// ```swift
/// let redis = try await RedisConnection.connect(RedisConfiguration(address: "127.0.0.1:6379"))
/// try await redis.set("greeting", to: "hello".utf8, expiringAfter: .seconds(30))
/// let value = try await redis.send(["GET", "greeting"])  // .bulkString("hello")
/// redis.close()
/// ```
///
/// **Pipelining.** Any number of tasks may send at once: each command is appended to one
/// output buffer as it is sent, without waiting for earlier replies, and Redis answers in
/// that order, so the replies resolve their callers first in, first out.
///
/// **Threads.** The connection has a dedicated thread that blocks in `poll` and does all
/// its socket I/O (see `RedisLink`); callers append to a buffer under a `Mutex`, wake the
/// thread through a socket pair when it is not already awake, and await a continuation
/// the thread resumes with the reply. No task is created per command, and the
/// cooperative pool never blocks.
///
/// **Failures are loud.** A command fails with `RedisError.replyTimeout(host:port:)` when
/// its reply does not come within `RedisConfiguration.replyTimeout`; the connection is
/// then reset. When the connection breaks, every waiting command fails at once with the
/// reason (`connectionLost`, say), and until it is back, new commands fail at once with
/// `RedisError.notConnected(host:port:)` rather than queueing. The thread reconnects by
/// itself, with capped exponential backoff and jitter, and tells the event handler.
///
/// **Cancellation** resumes the waiting caller at once with `RedisError.cancelled`; the
/// command may still run in Redis, and its reply is read and discarded.
public final class RedisConnection: Sendable {
    /// Where the connection goes, and its timeouts.
    public let configuration: RedisConfiguration
    private let link: RedisLink
    private let pipeline: CommandPipeline

    private init(configuration: RedisConfiguration, link: RedisLink, pipeline: CommandPipeline) {
        self.configuration = configuration
        self.link = link
        self.pipeline = pipeline
    }

    /// Connects to Redis and checks that it answers `PING` (after `AUTH`, with a password).
    ///
    /// Only this first connection fails with an error: once it is made, a broken
    /// connection is re-established in the background until `close()`.
    /// - Parameters:
    ///   - configuration: Where Redis is, and the timeouts.
    ///   - onEvent: Called on the connection's thread, in order, when the connection comes
    ///     up (this first time too), breaks, or fails to come back; it must return
    ///     quickly. Default none.
    /// - Returns: The connected connection.
    /// - Throws: `RedisError`: `.unreachable(host:port:errno:)` when nothing accepts,
    ///   `.connectTimeout(host:port:)`, `.cannotResolve(host:port:)`, `.reply(_:)` when
    ///   Redis refuses (`NOAUTH`, `WRONGPASS`), `.cancelled` if the task is cancelled.
    public static func connect(
        _ configuration: RedisConfiguration,
        onEvent: (@Sendable (RedisConnectionEvent) -> Void)? = nil
    ) async throws(RedisError) -> RedisConnection {
        let wake = try WakeSignal()
        let link = RedisLink(configuration: configuration, wake: wake)
        let pipeline = CommandPipeline(configuration: configuration, wake: wake, onEvent: onEvent)
        let started = await withTaskCancellationHandler {
            await pipeline.start(link)
        } onCancel: {
            link.close()
        }
        switch started {
        case .success:
            // A cancellation just as the connection was made has closed it.
            guard !link.isClosed else { throw .cancelled }
            return RedisConnection(configuration: configuration, link: link, pipeline: pipeline)
        case .failure(let error):
            link.close()
            throw Task.isCancelled && error == .closed ? .cancelled : error
        }
    }

    deinit {
        close()
    }

    /// Whether the connection is up now. Commands sent while it is not fail at once.
    public var isConnected: Bool { pipeline.isConnected }

    /// Sends a command and waits for its reply.
    /// - Parameter command: The command, its name first.
    /// - Returns: Redis's reply; an error reply is thrown instead.
    /// - Throws: `RedisError`: `.reply(_:)` for an error reply (see `replyCode`);
    ///   `.replyTimeout`, `.connectionLost`, `.notConnected`, `.protocolViolation` when
    ///   Redis cannot be talked to (`isConnectionFailure`); `.tooManyPendingCommands`,
    ///   `.cancelled`, `.closed`.
    public func send(_ command: RedisCommand) async throws(RedisError) -> RESPValue {
        try await pipeline.send(command).get()
    }

    /// Sends a command given as text, such as `["SET", "key", "value"]`, and waits for its
    /// reply; see `send(_:)` for the errors.
    public func send(_ arguments: [String]) async throws(RedisError) -> RESPValue {
        try await send(RedisCommand(arguments))
    }

    /// Sends a command given as bytes, and waits for its reply; see `send(_:)` for the
    /// errors.
    public func send(_ arguments: [[UInt8]]) async throws(RedisError) -> RESPValue {
        try await send(RedisCommand(bytes: arguments))
    }

    /// Closes the connection: commands waiting fail with `RedisError.closed`, later ones
    /// too, and the thread ends. Idempotent; also done when the connection is released.
    public func close() {
        pipeline.close()
        link.close()
    }
}
