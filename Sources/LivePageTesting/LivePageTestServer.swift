public import LivePageServer

/// A LivePage server's routes in this process, on a ``ManualClock``, without sockets or
/// threads: send an `HTTPRequest`, get back the `HTTPResponse` a client would read.
///
/// Every route runs as it does behind the engine (the same router, the same client manager,
/// the engine's body limit and response encoding), but time moves only when the test says
/// so. A poll with nothing to send parks; it is answered when an event is published, input
/// arrives, or ``advance(by:)`` passes its hold time, all without waiting:
///
/// ```swift
/// let app = try LivePageTestServer()
/// let registered = await app.response(to: HTTPRequest(.post, "/livepage/clients", json: #"{"location": "/chat"}"#))
/// let poll = app.send(HTTPRequest(.get, "/livepage/clients/\(id)/output?after=0"))
/// poll.isAnswered         // false: parked
/// app.advance(by: .seconds(25))
/// await poll.response     // 200 {"events":[]}, the idle answer
/// ```
///
/// Routes that await (input, disconnect, a publish with an `id`, the application's pages)
/// run in a task, as behind the engine: await their ``PendingResponse/response``. What
/// belongs to sockets (parsing, header limits, keep-alive, timeouts) is the engine's and is
/// tested there.
public final class LivePageTestServer: Sendable {
    /// The server whose routes run: its manager, registry and ``LivePageServer/openPage(at:principal:presence:)``.
    public let server: LivePageServer
    /// The clock of the server's manager and routes; see ``advance(by:)``.
    public let clock: ManualClock
    private let engine: InProcessEngine

    /// A server's routes, not listening anywhere.
    /// - Parameters:
    ///   - configuration: As for ``LivePageServer``; where to listen is ignored.
    ///   - registry: The event factories for input.
    ///   - clock: The manual clock the manager and routes run on (a new one, at zero, by default).
    ///   - bus: Where sends go (in memory by default).
    ///   - pages: The application's own pages, as for ``LivePageServer``.
    /// - Throws: ``ConfigurationError`` for a setting that cannot work.
    public init(
        configuration: LivePageServer.Configuration = LivePageServer.Configuration(),
        registry: EventRegistry = EventRegistry(),
        clock: ManualClock = ManualClock(),
        bus: any EventBus = LocalEventBus(),
        pages: (@Sendable (HTTPRequest, LivePageServer) async throws -> HTTPResponse)? = nil
    ) throws(ConfigurationError) {
        self.clock = clock
        server = try LivePageServer(configuration: configuration, registry: registry, clock: clock, bus: bus, pages: pages)
        engine = server.inProcessEngine
    }

    /// The server's client manager: send events, ask who is online, set the input handler.
    public var manager: ClientManager { server.manager }

    /// Hands `request` to the routes, as the engine would once it has read it. Routes that
    /// answer at once have answered when this returns.
    /// - Parameter request: The complete request.
    /// - Returns: Its response, now or later; ``PendingResponse/cancel()`` plays the client
    ///   going away.
    @discardableResult
    public func send(_ request: HTTPRequest) -> PendingResponse {
        let pending = PendingResponse()
        let responder = engine.dispatch(request) { pending.resolve(with: $0) }
        pending.track(responder)
        return pending
    }

    /// Sends `request` and waits for its response. Do not use it for a poll that parks until
    /// the test itself acts: ``send(_:)`` it, act, then await its response.
    /// - Parameter request: The complete request.
    /// - Returns: The response as a client would read it.
    public func response(to request: HTTPRequest) async -> HTTPResponse {
        await send(request).response
    }

    /// Moves the clock forward by `duration`, running on this thread every timer that falls
    /// due: hold times (idle answers), client expiry, coalesced presence.
    /// - Parameter duration: How far to move, such as `.seconds(25)`.
    public func advance(by duration: Duration) {
        clock.advance(by: duration)
    }

    /// Shuts down as the server does on `SIGTERM`: parked polls and later requests that
    /// need the manager are answered `503` with a spread `Retry-After`, and the bus is left.
    public func shutDown() async {
        engine.handler.serverWillShutDown()
        await server.shutDown()
    }
}
