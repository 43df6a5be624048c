import LivePageSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One connection to Redis, run on an event loop (a `Reactor`, the HTTP engine's loop in a
/// server): it connects without blocking, says `AUTH` and `PING`, moves bytes between the
/// socket and its `RedisLinkDriver` as epoll reports readiness, and when the connection
/// breaks reconnects with backoff, until it is closed.
///
/// Every wait is the loop's: the socket's readiness, a timer for the connect deadline, the
/// backoff and the driver's deadlines (reply timeouts, health checks), and the inbox for
/// other threads' output. A name (not an IP literal) is looked up in a task on the Swift
/// concurrency pool, since `getaddrinfo` blocks; literals are parsed on the loop.
///
/// `@unchecked Sendable`: other threads call only ``outputAvailable()`` and ``close()``,
/// which touch `closed` (an `Atomic`) and hop to the loop through `Reactor.execute(_:)`;
/// every other property below the mark is touched on the loop's thread alone.
final class RedisLink: ReactorChannel, ReactorStopObserver, @unchecked Sendable {
    /// Where the link is in its life.
    private enum Phase: Equatable {
        /// Not yet started, or waiting to reconnect.
        case waiting
        /// Looking the host name up, off the loop.
        case resolving
        /// A non-blocking connect is in progress.
        case connecting
        /// `AUTH` and `PING` are out; their replies are awaited.
        case handshaking
        /// Connected: commands and replies flow.
        case serving
        /// Closed for good.
        case closed
    }

    /// Where to connect, the timeouts and the backoff.
    let configuration: RedisConfiguration
    private let reactor: any Reactor
    private let closed = Atomic<Bool>(false)

    // Loop thread only.
    private var driver: (any RedisLinkDriver)?
    private var phase = Phase.waiting
    /// Counts attempts to connect: a timer or a lookup of an earlier attempt does nothing.
    private var attempt: UInt64 = 0
    private var hasConnected = false
    private var connectedAt = MonotonicTime(nanoseconds: 0)
    private var backoff: RedisBackoff
    private var random = SystemRandomNumberGenerator()
    /// Addresses not yet tried in this attempt, and the errno of the last one that failed.
    private var addresses: ArraySlice<RedisAddress> = []
    private var lastConnectError: Int32 = 0
    private var socket: RedisSocket?
    private var stream: RedisStream?
    /// The handshake's commands, and the replies to them read so far.
    private var handshake: [RedisCommand] = []
    private var handshakeReplies: [RESPValue] = []
    /// The driver's deadline a timer is armed for.
    private var armedDeadline: MonotonicTime?
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)

    /// A link on `reactor`, not yet started.
    init(configuration: RedisConfiguration, reactor: any Reactor) {
        self.configuration = configuration
        self.reactor = reactor
        backoff = RedisBackoff(initial: configuration.initialReconnectDelay, maximum: configuration.maximumReconnectDelay)
    }

    deinit {
        buffer.deallocate()
    }

    // MARK: Any thread

    /// Starts connecting on the loop; the driver hears of the first connection or why it
    /// could not be made.
    func start(driver: some RedisLinkDriver) {
        let taken = reactor.execute { [self] in
            // Closed before it started (a cancelled connect), or the loop is stopping.
            guard phase != .closed, !isClosed, reactor.observeStop(self) else {
                finish()
                return driver.linkDidFailToStart(.closed)
            }
            self.driver = driver
            connect()
        }
        if !taken { driver.linkDidFailToStart(.closed) }
    }

    /// Stops the link: the connection is closed and everything waiting fails with
    /// `RedisError.closed`. Idempotent, from any thread.
    func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // A loop that has stopped has stopped the link already (`reactorStopped()`).
        reactor.execute { [self] in stop() }
    }

    /// Whether `close()` has been called.
    var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// The driver has output: the loop writes it soon. The driver asks once per batch
    /// (`LinkOutput`), so a burst of commands costs one hop.
    func outputAvailable() {
        reactor.execute { [self] in
            if phase == .serving { transfer(reading: false) }
        }
    }

    // MARK: Loop thread

    func reactorStopped() {
        closed.store(true, ordering: .releasing)
        stop()
    }

    func handle(_ events: ReactorEvents) {
        switch phase {
        case .connecting: connectEnded(events)
        case .handshaking, .serving: transfer(reading: !events.isDisjoint(with: [.readable, .hangUp]))
        case .waiting, .resolving, .closed: break
        }
    }

    /// One attempt: resolve, connect, handshake, all before the connect timeout.
    private func connect() {
        attempt &+= 1
        let current = attempt
        phase = .resolving
        reactor.schedule(at: reactor.now + configuration.connectTimeout) { [self] in
            guard attempt == current, [.resolving, .connecting, .handshaking].contains(phase) else { return }
            failToConnect(.connectTimeout(host: configuration.host, port: configuration.port))
        }
        let host = configuration.host
        let port = configuration.port
        do {
            if let resolved = try RedisAddress.resolve(host: host, port: port, numericOnly: true) {
                return tryAddresses(resolved)
            }
        } catch {
            return failToConnect(error)
        }
        Task.detached { [self] in
            let result = Result { () throws(RedisError) in try RedisAddress.resolve(host: host, port: port, numericOnly: false) ?? [] }
            reactor.execute { [self] in
                guard attempt == current, phase == .resolving else { return }
                switch result {
                case .success(let resolved): tryAddresses(resolved)
                case .failure(let error): failToConnect(error)
                }
            }
        }
    }

    private func tryAddresses(_ resolved: [RedisAddress]) {
        addresses = resolved[...]
        lastConnectError = ECONNREFUSED
        connectNextAddress()
    }

    /// Starts connecting to the next address; fails the attempt when none is left.
    private func connectNextAddress() {
        while let address = addresses.popFirst() {
            let opened: (RedisSocket, Bool)
            do throws(SystemCallError) {
                opened = try RedisSocket.open(address, host: configuration.host, port: configuration.port)
                do {
                    try reactor.watch(opened.0.descriptor, for: self)
                } catch {
                    reactor.close(opened.0.descriptor)
                    throw error
                }
            } catch {
                lastConnectError = error.errno
                continue
            }
            socket = opened.0
            phase = .connecting
            if opened.1 { connected() }
            return
        }
        failToConnect(.unreachable(host: configuration.host, port: configuration.port, errno: lastConnectError))
    }

    /// The connect in progress has ended, one way or the other.
    private func connectEnded(_ events: ReactorEvents) {
        guard let socket else { return }
        let code = socket.connectError
        guard code == 0, events.contains(.writable) else {
            lastConnectError = code == 0 ? ECONNREFUSED : code
            closeSocket()
            return connectNextAddress()
        }
        connected()
    }

    /// Connected: says `AUTH` (with a password) and `PING`.
    private func connected() {
        guard let socket else { return }
        socket.configureConnected()
        var stream = RedisStream(socket: socket, limits: configuration.limits)
        handshake = []
        if let password = configuration.password { handshake.append(RedisCommand(["AUTH", password])) }
        handshake.append(RedisCommand(["PING"]))
        handshakeReplies = []
        stream.enqueue { [handshake] buffer in
            for command in handshake { command.encode(into: &buffer) }
        }
        self.stream = stream
        phase = .handshaking
        transfer(reading: true)
    }

    /// Writes what waits, reads what has arrived (when `reading`), and hands the values
    /// to the handshake or the driver; a failure ends the connection.
    private func transfer(reading: Bool) {
        do throws(RedisError) {
            if phase == .serving { driver?.takeOutput(into: &stream!) }
            try stream!.flush()
            if reading {
                let ended = try stream!.fill(using: buffer)
                if phase == .handshaking { try readHandshake() }
                if phase == .serving { try receive() }
                if ended {
                    let detail = phase == .handshaking ? "closed by Redis on connecting" : "closed by Redis"
                    throw RedisError.connectionLost(host: configuration.host, port: configuration.port).with(detail: detail)
                }
            }
            if phase == .serving {
                // What the driver queued while receiving (a health-check PING, say).
                driver?.takeOutput(into: &stream!)
                try stream!.flush()
                armDeadline()
            }
        } catch {
            if phase == .serving { lose(error) } else { failToConnect(error) }
        }
    }

    private func readHandshake() throws(RedisError) {
        while handshakeReplies.count < handshake.count, let value = try stream!.nextValue() {
            handshakeReplies.append(value)
        }
        guard handshakeReplies.count == handshake.count else { return }
        for (command, reply) in zip(handshake, handshakeReplies) {
            if case .error(let message) = reply { throw .reply(message) }
            if command.name == "PING", reply != .simpleString("PONG") {
                throw RedisError.unexpectedReply(to: "PING").with(detail: reply.description)
            }
        }
        phase = .serving
        hasConnected = true
        connectedAt = reactor.now
        armedDeadline = nil
        driver?.linkDidConnect(at: connectedAt)
    }

    /// Hands every whole value read to the driver.
    private func receive() throws(RedisError) {
        let now = reactor.now
        while phase == .serving, let value = try stream!.nextValue() {
            try driver?.linkDidReceive(value, at: now)
        }
    }

    /// Arms a timer for the driver's next deadline, unless one is armed for an earlier one
    /// (it rearms when it fires).
    private func armDeadline() {
        guard let deadline = driver?.nextDeadline() else { return }
        if let armed = armedDeadline, armed <= deadline { return }
        armedDeadline = deadline
        let current = attempt
        reactor.schedule(at: deadline) { [self] in
            guard attempt == current, phase == .serving, armedDeadline == deadline else { return }
            armedDeadline = nil
            do throws(RedisError) {
                if let due = driver?.nextDeadline(), due <= reactor.now { try driver?.linkDidReachDeadline(at: reactor.now) }
            } catch {
                return lose(error)
            }
            transfer(reading: false)
        }
    }

    /// The attempt to connect failed: the first ends the link, later ones are retried.
    private func failToConnect(_ error: RedisError) {
        guard phase != .closed else { return }
        if isClosed { return stop() }
        closeSocket()
        phase = .waiting
        guard hasConnected else {
            let driver = driver
            finish()
            driver?.linkDidFailToStart(error)
            return
        }
        if error != .closed { driver?.linkDidFailToReconnect(error) }
        reconnect()
    }

    /// The connection broke: the driver fails what waits on it, and the link reconnects.
    private func lose(_ error: RedisError) {
        if isClosed { return stop() }
        closeSocket()
        phase = .waiting
        driver?.linkDidLose(error)
        // A connection that broke within a second does not reset the backoff, so a Redis
        // that accepts and then drops every connection is not hammered.
        if reactor.now - connectedAt >= .seconds(1) { backoff.reset() }
        reconnect()
    }

    /// Tries again: at once after a loss, then after a growing, jittered wait.
    private func reconnect() {
        let delay = backoff.nextDelay(using: &random)
        guard delay > .zero else { return connect() }
        let current = attempt
        reactor.schedule(at: reactor.now + delay) { [self] in
            guard attempt == current, phase == .waiting else { return }
            connect()
        }
    }

    /// Closed by its owner or its loop: the driver hears `RedisError.closed` once.
    private func stop() {
        guard phase != .closed else { return }
        closeSocket()
        let driver = driver
        let started = hasConnected
        finish()
        if started { driver?.linkDidLose(.closed) } else { driver?.linkDidFailToStart(.closed) }
    }

    /// Stops for good: forgets the driver and the loop's stop notice.
    private func finish() {
        phase = .closed
        closed.store(true, ordering: .releasing)
        driver = nil
        reactor.stopObserving(self)
    }

    private func closeSocket() {
        if let socket { reactor.close(socket.descriptor) }
        socket = nil
        stream = nil
        armedDeadline = nil
    }
}
