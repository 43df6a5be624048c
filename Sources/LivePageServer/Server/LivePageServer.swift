public import LivePage
public import LivePageEvents
public import LivePageHTTP
import LivePageSystem
import Synchronization

/// A LivePage server: the routes of PROTOCOL.md on LivePage's own HTTP engine, around a
/// ``ClientManager``.
///
/// An application embeds it to make its pages live: it starts the server, registers its
/// own verbs and input handler, renders pages that carry their client (``openPage(at:principal:presence:)``),
/// and sends events to any audience. The `livepage-server` command runs one for
/// backends in other languages, which publish over HTTP.
///
/// ```swift
/// let server = try LivePageServer(configuration: configuration)
/// let port = try server.start()
/// _ = try await server.manager.send(Append(id: "log", html: "<p>Hello</p>"), to: .location("/"))
/// await server.shutDown()
/// ```
///
/// or, for the life of a task, `try await server.run()`, which returns once ``shutDown()``
/// is called or the task is cancelled, and the server has drained.
///
/// `import LivePageServer` is the one import an embedder needs: it re-exports the client
/// manager (`LivePage`), events and verbs (`LivePageEvents`), the HTTP types a pages
/// handler sees (`LivePageHTTP`) and the Redis configuration (`LivePageRedis`).
public final class LivePageServer: Sendable {
    /// The configuration the server runs with.
    public let configuration: Configuration
    /// The client manager: send events, ask who is online, set the input handler.
    public let manager: ClientManager
    let router: LivePageRouter
    let http: HTTPServer
    /// Where sends go; left when the server shuts down.
    let bus: any EventBus
    /// The manager's clock when it runs on the engine's loops (the default): attached to
    /// them when they start.
    private let loopClock: LoopClock?
    private let lifecycle = Mutex(Lifecycle())

    /// Whether the server is stopping or has stopped, and who waits for it to stop.
    private struct Lifecycle {
        enum Phase {
            case serving
            case stopping
            case stopped
        }

        var phase = Phase.serving
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// A server, not yet listening.
    ///
    /// Publish ids (a publish's `id`, which makes retries safe) are remembered by this
    /// server, in memory. Several servers that share one Redis share them too: set
    /// ``Configuration/redis`` and use ``connecting(configuration:registry:clock:pages:)``.
    ///
    /// - Parameters:
    ///   - configuration: Where to listen, authentication, timings and limits.
    ///   - registry: The event factories for input; register custom verbs here or later
    ///     through ``registry``.
    ///   - clock: Time and timers of the client manager. Default: a clock on the server's
    ///     own event loops, so that the server runs no timer thread.
    ///   - bus: Where sends go: in memory (the default) or shared by several servers.
    ///   - pages: Answers requests outside the LivePage routes: the application's own
    ///     pages, which call ``openPage(at:principal:presence:)`` on the server it is
    ///     given to carry a client. Without it such requests are `404`.
    /// - Throws: ``ConfigurationError`` for a setting that cannot work.
    public convenience init(
        configuration: Configuration = Configuration(),
        registry: EventRegistry = EventRegistry(),
        clock: (any LivePageClock)? = nil,
        bus: any EventBus = LocalEventBus(),
        pages: (@Sendable (HTTPRequest, LivePageServer) async throws -> HTTPResponse)? = nil
    ) throws(ConfigurationError) {
        try self.init(configuration: configuration, registry: registry, clock: clock, bus: bus, redis: nil, pages: pages)
    }

    /// A server on `bus`, which is `redis` when several servers share one Redis: publish
    /// ids are then remembered there, and the admin page lists the servers it knows.
    init(
        configuration: Configuration,
        registry: EventRegistry,
        clock: (any LivePageClock)?,
        bus: any EventBus,
        redis: RedisEventBus?,
        pages: (@Sendable (HTTPRequest, LivePageServer) async throws -> HTTPResponse)?
    ) throws(ConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        let loopClock = clock == nil ? LoopClock() : nil
        let clock: any LivePageClock = clock ?? loopClock!
        self.loopClock = loopClock
        self.manager = ClientManager(configuration: configuration.manager, registry: registry, clock: clock, bus: bus)
        if configuration.servesDemo { manager.setInputHandler(DemoPages.inputHandler) }
        let deduplicator: any PublishDeduplication = redis.map(RedisPublishDeduplicator.init(bus:)) ?? PublishDeduplicator()
        let router = LivePageRouter(manager: manager, configuration: configuration, deduplicator: deduplicator, clock: clock)
        var limits = HTTPLimits()
        limits.maxHeaderSize = configuration.maximumHeaderSize
        // The target alone may fill half the head (8 KiB of the default 16 KiB); over it
        // `414`, whatever the header limit, so that a long target is told apart from a
        // large head (`431`).
        limits.maxTargetSize = configuration.maximumHeaderSize / 2
        limits.maxBodySize = max(configuration.maximumInputBodySize, configuration.maximumPublishBodySize)
        let http = HTTPServer(
            configuration: HTTPServerConfiguration(
                host: configuration.host,
                port: configuration.port,
                eventLoopCount: configuration.eventLoopCount,
                limits: limits,
                headerTimeout: configuration.headerTimeout,
                idleTimeout: configuration.idleTimeout,
                coalescingPause: configuration.coalescingPause,
                defaultHeaders: ["X-Content-Type-Options": "nosniff"],
                log: configuration.log
            ),
            handler: router
        )
        router.engineMetrics.withLock { $0 = { [weak http] in http?.metrics ?? HTTPServerMetrics() } }
        try router.connectBackends(on: http)
        if let redis { router.admin.listServers { [weak redis] in redis?.knownServers ?? [] } }
        self.router = router
        self.http = http
        self.bus = bus
        if let pages {
            router.pages.withLock {
                $0 = { [weak self] request in
                    guard let self else { throw RouteError(.serviceUnavailable, "The server has stopped.") }
                    return try await pages(request, self)
                }
            }
        }
    }

    /// A server on the bus its configuration names: one Redis shared by several servers
    /// when ``Configuration/redis`` is set (connected now, so that an unreachable Redis fails
    /// here, with a clear error), with publish ids shared there too; in memory otherwise.
    /// - Throws: ``ConfigurationError`` for a setting that cannot work, `RedisError` when
    ///   Redis cannot be reached.
    public static func connecting(
        configuration: Configuration,
        registry: EventRegistry = EventRegistry(),
        clock: (any LivePageClock)? = nil,
        pages: (@Sendable (HTTPRequest, LivePageServer) async throws -> HTTPResponse)? = nil
    ) async throws -> LivePageServer {
        try configuration.validate()
        guard let redis = configuration.redis, let nodeTag = configuration.nodeTag else {
            return try LivePageServer(configuration: configuration, registry: registry, clock: clock, pages: pages)
        }
        let bus = RedisEventBus(RedisEventBus.Configuration(redis: redis, nodeTag: nodeTag), log: configuration.log)
        let server = try LivePageServer(configuration: configuration, registry: registry, clock: clock, bus: bus, redis: bus, pages: pages)
        // Redis runs on the engine's loops, which start now, before the server listens.
        do {
            try await bus.connect(on: try server.startLoops())
        } catch {
            await server.shutDown()
            throw error
        }
        return server
    }

    /// The event factories for input.
    public var registry: EventRegistry { manager.registry }

    /// The routes with the engine's body limit and response encoding, to run in-process
    /// without sockets (`LivePageTesting`).
    package var inProcessEngine: InProcessEngine {
        InProcessEngine(handler: router, configuration: http.configuration)
    }

    /// Starts listening.
    /// - Returns: The port, the one picked when the configuration says 0.
    /// - Throws: ``HTTPServerError`` when the address cannot be used (a port in use).
    @discardableResult
    public func start() throws(HTTPServerError) -> Int {
        let port = try http.start()
        _ = try startLoops()
        return port
    }

    /// Starts the engine's loops if they are not running yet (without listening), and
    /// runs the manager's clock on them when it is the default one.
    /// - Returns: The loop where clients (Redis, webhooks) and the clock run.
    private func startLoops() throws(HTTPServerError) -> any Reactor {
        let reactor = try http.reactorForClients()
        loopClock?.attach(to: reactor)
        return reactor
    }

    /// The port the server listens on, once started.
    public var port: Int { http.port }

    /// Runs the server for the life of the calling task: starts it (unless ``start()``
    /// already has), serves until ``shutDown()`` is called or the task is cancelled, then
    /// shuts down gracefully and returns once the server has stopped.
    ///
    /// ```swift
    /// let task = Task { try await server.run() }
    /// // ...
    /// task.cancel()  // or `await server.shutDown()`; either way `run()` returns once drained
    /// ```
    /// - Throws: ``HTTPServerError`` when the address cannot be used (a port in use).
    public func run() async throws(HTTPServerError) {
        do {
            try start()
        } catch  where error == .alreadyStarted {
            // Started by `start()`, or stopped already: wait for the stop either way.
        }
        await withTaskCancellationHandler {
            await waitUntilStopped()
        } onCancel: {
            Task { await self.shutDown() }
        }
    }

    /// Stops gracefully: stops accepting, answers parked polls and new requests `503`
    /// with a spread `Retry-After`, gives in-flight requests the configured grace period,
    /// then closes every connection and leaves the bus. Returns when the server has
    /// stopped; a second call waits for the first to finish.
    public func shutDown() async {
        let isFirst = lifecycle.withLock { lifecycle in
            guard case .serving = lifecycle.phase else { return false }
            lifecycle.phase = .stopping
            return true
        }
        guard isFirst else { return await waitUntilStopped() }
        // The bus leaves before the loops stop: the Redis client runs on them.
        await http.shutDown(gracePeriod: configuration.shutdownGracePeriod) { await bus.shutDown() }
        let waiters = lifecycle.withLock { lifecycle in
            lifecycle.phase = .stopped
            defer { lifecycle.waiters = [] }
            return lifecycle.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until ``shutDown()`` has finished.
    public func waitUntilStopped() async {
        await withCheckedContinuation { continuation in
            let stopped = lifecycle.withLock { lifecycle in
                guard case .stopped = lifecycle.phase else {
                    lifecycle.waiters.append(continuation)
                    return false
                }
                return true
            }
            if stopped { continuation.resume() }
        }
    }

    /// Registers the client of a page the application is about to render, and returns
    /// what the page needs: its `<script>` tags carry the client id and `after`, so no
    /// event queued before the page's first poll is lost. Serve the page with
    /// ``PageSession/headers``.
    ///
    /// - Parameters:
    ///   - location: What the page shows, usually its path.
    ///   - principal: The user, as the application has authenticated them; `nil` for anonymous.
    ///   - presence: What the page hears of who is online.
    /// - Throws: ``ManagerError`` for an invalid location or principal, or a limit.
    public func openPage(at location: String, principal: String?, presence: PresenceMode = .none) throws(ManagerError) -> PageSession {
        PageSession(registration: try manager.register(at: location, principal: principal, presence: presence), prefix: configuration.prefix)
    }
}
