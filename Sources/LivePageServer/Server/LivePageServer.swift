public import LivePage
public import LivePageEvents
public import LivePageHTTP
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
public final class LivePageServer: Sendable {
    /// The configuration the server runs with.
    public let configuration: Configuration
    /// The client manager: send events, ask who is online, set the input handler.
    public let manager: ClientManager
    let router: LivePageRouter
    let http: HTTPServer
    /// Where sends go; left when the server shuts down.
    let bus: any EventBus
    private let stopWaiters = Mutex<(stopped: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// A server, not yet listening.
    ///
    /// - Parameters:
    ///   - configuration: Where to listen, authentication, timings and limits.
    ///   - registry: The event factories for input; register custom verbs here or later
    ///     through ``registry``.
    ///   - clock: Time and timers of the client manager.
    ///   - bus: Where sends go: in memory (the default) or shared by several servers.
    ///   - pages: Answers requests outside the LivePage routes: the application's own
    ///     pages, which call ``openPage(at:principal:presence:)`` on the server it is
    ///     given to carry a client. Without it such requests are `404`.
    /// - Throws: ``ConfigurationError`` for a setting that cannot work.
    public init(
        configuration: Configuration = Configuration(),
        registry: EventRegistry = EventRegistry(),
        clock: any LivePageClock = SystemClock.shared,
        bus: any EventBus = LocalEventBus(),
        pages: (@Sendable (HTTPRequest, LivePageServer) async throws -> HTTPResponse)? = nil
    ) throws(ConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        self.manager = ClientManager(configuration: configuration.manager, registry: registry, clock: clock, bus: bus)
        if configuration.servesDemo { manager.setInputHandler(DemoPages.inputHandler) }
        let deduplicator: any PublishDeduplication =
            (bus as? RedisEventBus).map { RedisPublishDeduplicator(bus: $0) } ?? PublishDeduplicator()
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
                defaultHeaders: ["X-Content-Type-Options": "nosniff"],
                log: configuration.log
            ),
            handler: router
        )
        router.engineMetrics.withLock { $0 = { [weak http] in http?.metrics ?? HTTPServerMetrics() } }
        try router.connectBackends(on: http)
        if let redis = bus as? RedisEventBus { router.admin.listServers { [weak redis] in redis?.knownServers ?? [] } }
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

    /// A server on the bus its configuration names: a ``RedisEventBus`` when
    /// ``Configuration/redis`` is set (connected now, so that an unreachable Redis fails
    /// here, with a clear error), in memory otherwise.
    /// - Throws: ``ConfigurationError`` for a setting that cannot work, `RedisError` when
    ///   Redis cannot be reached.
    public static func connecting(
        configuration: Configuration,
        registry: EventRegistry = EventRegistry(),
        clock: any LivePageClock = SystemClock.shared,
        pages: (@Sendable (HTTPRequest, LivePageServer) async throws -> HTTPResponse)? = nil
    ) async throws -> LivePageServer {
        try configuration.validate()
        guard let redis = configuration.redis, let nodeTag = configuration.nodeTag else {
            return try LivePageServer(configuration: configuration, registry: registry, clock: clock, pages: pages)
        }
        let bus = try await RedisEventBus.connect(RedisEventBus.Configuration(redis: redis, nodeTag: nodeTag), log: configuration.log)
        return try LivePageServer(configuration: configuration, registry: registry, clock: clock, bus: bus, pages: pages)
    }

    /// The event factories for input.
    public var registry: EventRegistry { manager.registry }

    /// Starts listening.
    /// - Returns: The port, the one picked when the configuration says 0.
    /// - Throws: ``HTTPServerError`` when the address cannot be used (a port in use).
    @discardableResult
    public func start() throws(HTTPServerError) -> Int {
        try http.start()
    }

    /// The port the server listens on, once started.
    public var port: Int { http.port }

    /// Stops gracefully: stops accepting, answers parked polls and new requests `503`
    /// with a spread `Retry-After`, gives in-flight requests the configured grace period,
    /// then closes every connection. Returns when the server has stopped.
    public func shutDown() async {
        await http.shutDown(gracePeriod: configuration.shutdownGracePeriod)
        await bus.shutDown()
        let waiters = stopWaiters.withLock { state in
            state.stopped = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until ``shutDown()`` has finished.
    public func waitUntilStopped() async {
        await withCheckedContinuation { continuation in
            let stopped = stopWaiters.withLock { state in
                if !state.stopped { state.waiters.append(continuation) }
                return state.stopped
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
