import CLinuxSystem
package import LivePageSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP/1.1 server on non-blocking sockets and epoll, with a fixed number of event-loop
/// threads and no thread or task per connection or request.
///
/// ```swift
/// let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0)) { request in
///     HTTPResponse(body: "hello")
/// }
/// let port = try server.start()
/// // ...
/// await server.shutDown(gracePeriod: .seconds(5))
/// ```
///
/// The loops share one listening socket. Each connection belongs to the loop that accepted
/// it for its whole life; its handler calls, writes and timeouts all run on that thread.
public final class HTTPServer: Sendable {
    private enum State {
        case idle
        case running(Running)
        case stopping
        case stopped
    }

    /// Loops running; listening once `listener` is set.
    private struct Running {
        var listener: Int32?
        var loops: [EventLoop]
        var drained: CountdownSignal
        var stopped: CountdownSignal
    }

    /// The configuration the server was created with.
    public let configuration: HTTPServerConfiguration
    private let handler: any HTTPHandler
    private let state = Mutex<State>(.idle)
    /// The running loops; clients (``HTTPClient``) run on them too.
    let loops = Mutex<[EventLoop]>([])
    private let boundPort = Atomic<Int>(0)

    /// Creates a server that calls `handler` on its event-loop threads. Nothing listens until
    /// `start()`.
    /// - Parameters:
    ///   - configuration: Address, threads, limits and timeouts.
    ///   - handler: The code that answers requests; see `HTTPHandler`.
    public init(configuration: HTTPServerConfiguration, handler: some HTTPHandler) {
        self.configuration = configuration
        self.handler = handler
    }

    /// Creates a server that runs an async closure per request, in a task of its own.
    ///
    /// The task is cancelled when the connection goes away before the response (the peer
    /// closes or resets it, a forced shutdown). A thrown `HTTPResponseError` is answered with
    /// its own response; any other error is answered `500` with a generic JSON message and
    /// logged, and the server keeps serving.
    /// - Parameters:
    ///   - configuration: Address, threads, limits and timeouts.
    ///   - handler: Turns a request into a response.
    public convenience init(
        configuration: HTTPServerConfiguration,
        handler: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse
    ) {
        self.init(configuration: configuration, handler: AsyncClosureHandler(body: handler, log: configuration.log))
    }

    /// The bound port once `start()` has returned; 0 before.
    public var port: Int { boundPort.load(ordering: .acquiring) }

    /// The counters of all loops, summed; see `HTTPServerMetrics`.
    public var metrics: HTTPServerMetrics {
        var total = HTTPServerMetrics()
        for loop in loops.withLock({ $0 }) { total.add(loop.metricsSnapshot) }
        return total
    }

    /// Binds the configured address and starts the event loops, unless
    /// ``reactorForClients()`` has started them already.
    /// - Returns: The bound port: the configured one, or the one picked for port 0.
    /// - Throws: `HTTPServerError`, for example `.addressInUse(host:port:)`.
    @discardableResult
    public func start() throws(HTTPServerError) -> Int {
        try state.withLock { state throws(HTTPServerError) in
            var running: Running
            let startedHere: Bool
            switch state {
            case .idle: (running, startedHere) = (try startLoops(), true)
            case .running(let started) where started.listener == nil: (running, startedHere) = (started, false)
            default: throw .alreadyStarted
            }
            let listener: Int32
            let port: Int
            do throws(HTTPServerError) {
                (listener, port) = try bind()
            } catch {
                // Loops started for this call alone stop with it; a later call starts anew.
                if startedHere { for loop in running.loops { loop.enqueue(.stop) } }
                throw error
            }
            running.listener = listener
            for loop in running.loops { loop.enqueue(.listen(listener)) }
            boundPort.store(port, ordering: .releasing)
            state = .running(running)
            return port
        }
    }

    /// The loop that clients run on (the last), starting the loops first if they are not
    /// running yet, without listening: the Redis client and the client manager's clock run
    /// there from before the server binds its port (``start()``), so that the process has
    /// no threads but its loops.
    /// - Throws: `HTTPServerError.alreadyStarted` once the server is stopping or stopped;
    ///   `.system(call:errno:)` when a loop cannot be made.
    package func reactorForClients() throws(HTTPServerError) -> any Reactor {
        try state.withLock { state throws(HTTPServerError) -> any Reactor in
            switch state {
            case .idle:
                let running = try startLoops()
                state = .running(running)
                return running.loops[running.loops.count - 1]
            case .running(let running):
                return running.loops[running.loops.count - 1]
            case .stopping, .stopped:
                throw .alreadyStarted
            }
        }
    }

    /// Makes the loops and starts their threads, named `livepage-loop0`, `livepage-loop1`...
    private func startLoops() throws(HTTPServerError) -> Running {
        let count = max(1, configuration.eventLoopCount)
        let drained = CountdownSignal(members: 0..<count)
        let stopped = CountdownSignal(members: 0..<count)
        var created: [EventLoop] = []
        do throws(SystemCallError) {
            for index in 0..<count {
                created.append(
                    try EventLoop(
                        index: index, handler: handler, configuration: configuration, drained: drained, stopped: stopped
                    ))
            }
            for loop in created {
                try DetachedThread.start(named: "livepage-loop\(loop.index)") { loop.run() }
            }
        } catch {
            // Loops already running stop on their own; the others were never started.
            for loop in created { loop.enqueue(.stop) }
            throw .system(call: error.call, errno: error.errno)
        }
        loops.withLock { $0 = created }
        return Running(listener: nil, loops: created, drained: drained, stopped: stopped)
    }

    /// Shuts down gracefully.
    ///
    /// Stops accepting, closes idle kept-alive connections at once, calls
    /// `HTTPHandler.serverWillShutDown()`, then lets requests in progress finish and their
    /// responses be written (each with `Connection: close`) until every connection has closed
    /// or `gracePeriod` has passed. What remains is then closed, cancelling its requests.
    /// Returns when every loop thread has stopped. Calling it again, or before `start()`,
    /// returns at once.
    /// - Parameter gracePeriod: How long requests in progress may take to finish.
    public func shutDown(gracePeriod: Duration) async {
        await shutDown(gracePeriod: gracePeriod, beforeStoppingLoops: {})
    }

    /// Shuts down gracefully, as ``shutDown(gracePeriod:)`` does, and runs `lastWork`
    /// after the connections are gone and before the loops stop (at once if they never
    /// ran): what still needs the loops to finish (the Redis client saying goodbye) does
    /// it there.
    package func shutDown(gracePeriod: Duration, beforeStoppingLoops lastWork: () async -> Void) async {
        let running = state.withLock { state -> Running? in
            guard case .running(let running) = state else {
                if case .idle = state { state = .stopped }
                return nil
            }
            state = .stopping
            return running
        }
        guard let running else { return await lastWork() }
        for loop in running.loops { loop.enqueue(.beginShutdown) }
        handler.serverWillShutDown()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await running.drained.wait() }
            group.addTask { try? await Task.sleep(for: gracePeriod) }
            await group.next()
            group.cancelAll()
        }
        await lastWork()
        for loop in running.loops { loop.enqueue(.stop) }
        await running.stopped.wait()
        if let listener = running.listener { System.close(listener) }
        state.withLock { $0 = .stopped }
    }

    /// The loop clients run on: the last one, while the loops run; `nil` otherwise.
    func loopForClients() -> EventLoop? {
        guard state.withLock({ if case .running = $0 { true } else { false } }) else { return nil }
        return loops.withLock { $0.last }
    }

    /// Creates, binds and listens on the configured address.
    private func bind() throws(HTTPServerError) -> (listener: Int32, port: Int) {
        let host = configuration.host
        guard let address = SocketAddress(host: host, port: configuration.port) else {
            throw .invalidHost(host)
        }
        let fd: Int32
        do {
            fd = Int32(
                try System.blockingCall("socket") {
                    Int(
                        socket(
                            address.family,
                            Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0))
                })
        } catch {
            throw .system(call: error.call, errno: error.errno)
        }
        do throws(SystemCallError) {
            try System.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            if address.family == AF_INET6 {
                // "::" accepts IPv4 too; "::1" is IPv6 only either way.
                try System.setOption(fd, level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 0)
            }
            try System.blockingCall("bind") { Int(address.withSockaddr { Glibc.bind(fd, $0, $1) }) }
            try System.blockingCall("listen") { Int(Glibc.listen(fd, Int32(clamping: configuration.backlog))) }
        } catch {
            System.close(fd)
            switch (error.call, error.errno) {
            case ("bind", EADDRINUSE): throw .addressInUse(host: host, port: configuration.port)
            case ("bind", let code): throw .cannotBind(host: host, port: configuration.port, errno: code)
            default: throw .system(call: error.call, errno: error.errno)
            }
        }
        var bound = SocketAddress()
        _ = bound.withMutableSockaddr { pointer, length in getsockname(fd, pointer, length) }
        return (fd, bound.port)
    }
}
