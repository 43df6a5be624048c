package import LivePageSystem
import Synchronization

/// A connection to Redis for commands, pipelining every caller's commands over one
/// socket.
///
/// ```swift
/// let redis = try await RedisConnection.connect(RedisConfiguration(address: "127.0.0.1:6379"), on: loop)
/// try await redis.set("greeting", to: "hello".utf8, expiringAfter: .seconds(30))
/// let value = try await redis.send(["GET", "greeting"])  // .bulkString("hello")
/// redis.close()
/// ```
///
/// **Pipelining.** Any number of tasks may send at once: each command is appended to one
/// output buffer as it is sent, without waiting for earlier replies, and Redis answers in
/// that order, so the replies resolve their callers first in, first out.
///
/// **Threads.** None of its own: the connection runs on an event loop (a `Reactor`, the
/// HTTP engine's loop in a server), which does all its socket I/O (see `RedisLink`);
/// callers append to a buffer under a `Mutex`, hand the loop the work of writing it when
/// it has not been handed it already, and await a continuation the loop resumes with the
/// reply. No task is created per command, and the cooperative pool never blocks.
///
/// **Failures are loud.** A command fails with `RedisError.replyTimeout(host:port:)` when
/// its reply does not come within `RedisConfiguration.replyTimeout`; the connection is
/// then reset. When the connection breaks, every waiting command fails at once with the
/// reason (`connectionLost`, say), and until it is back, new commands fail at once with
/// `RedisError.notConnected(host:port:)` rather than queueing. The loop reconnects by
/// itself, with capped exponential backoff and jitter, and tells the event handler.
///
/// **Cancellation** resumes the waiting caller at once with `RedisError.cancelled`; the
/// command may still run in Redis, and its reply is read and discarded.
public final class RedisConnection: Sendable {
    /// Where the connection goes, and its timeouts.
    public let configuration: RedisConfiguration
    private let pipeline: CommandPipeline
    /// The link, once ``connect(on:)`` has made it.
    private let link = Mutex<RedisLink?>(nil)

    /// A connection that is not yet connected: its commands fail with
    /// `RedisError.notConnected(host:port:)` until ``connect(on:)``. For an owner that
    /// must exist before its event loop does (the Redis bus, made before the server).
    /// - Parameters:
    ///   - configuration: Where Redis is, and the timeouts.
    ///   - onEvent: Called on the event loop, in order, when the connection comes up (the
    ///     first time too), breaks, or fails to come back; it must return quickly.
    ///     Default none.
    package init(_ configuration: RedisConfiguration, onEvent: (@Sendable (RedisConnectionEvent) -> Void)? = nil) {
        self.configuration = configuration
        self.pipeline = CommandPipeline(configuration: configuration, onEvent: onEvent)
    }

    /// Connects to Redis on `reactor` and checks that it answers `PING` (after `AUTH`,
    /// with a password); see ``connect(on:)``.
    /// - Returns: The connected connection.
    package static func connect(
        _ configuration: RedisConfiguration,
        on reactor: any Reactor,
        onEvent: (@Sendable (RedisConnectionEvent) -> Void)? = nil
    ) async throws(RedisError) -> RedisConnection {
        let connection = RedisConnection(configuration, onEvent: onEvent)
        try await connection.connect(on: reactor)
        return connection
    }

    /// Connects to Redis on `reactor` and checks that it answers `PING` (after `AUTH`,
    /// with a password). Once only.
    ///
    /// Only this first connection fails with an error: once it is made, a broken
    /// connection is re-established in the background until `close()`.
    /// - Parameter reactor: The event loop that runs the connection's I/O and timers.
    /// - Throws: `RedisError`: `.unreachable(host:port:errno:)` when nothing accepts,
    ///   `.connectTimeout(host:port:)`, `.cannotResolve(host:port:)`, `.reply(_:)` when
    ///   Redis refuses (`NOAUTH`, `WRONGPASS`), `.cancelled` if the task is cancelled,
    ///   `.closed` if the connection is closed or was connected before.
    package func connect(on reactor: any Reactor) async throws(RedisError) {
        let link = RedisLink(configuration: configuration, reactor: reactor)
        let isFirst = self.link.withLock { current in
            guard current == nil else { return false }
            current = link
            return true
        }
        guard isFirst else { throw .closed }
        let started = await withTaskCancellationHandler {
            await pipeline.start(link)
        } onCancel: {
            link.close()
        }
        switch started {
        case .success:
            // A cancellation just as the connection was made has closed it.
            guard !link.isClosed else { throw .cancelled }
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
    /// too, and its socket is closed on its loop. Idempotent; also done when the
    /// connection is released.
    public func close() {
        pipeline.close()
        link.withLock { $0 }?.close()
    }
}
