import LivePageSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One connection to Redis, run on a dedicated thread: it connects, says `AUTH` and `PING`,
/// moves bytes between the socket and its `RedisLinkDriver`, and when the connection
/// breaks reconnects with backoff, until it is closed.
///
/// Why a thread of its own: the thread blocks in `poll` on two descriptors (the socket and
/// a `WakeSignal`), so it costs the cooperative pool nothing, needs no event loop shared
/// with the HTTP engine (which this module cannot see), and keeps one connection's I/O
/// strictly ordered. A LivePage node has two links (commands and subscription), so two
/// threads, whatever its load.
///
/// Other threads talk to the link only through the driver's state and the wake signal;
/// the socket, its buffers and its decoder belong to the link's thread alone.
final class RedisLink: Sendable {
    /// Where to connect, the timeouts and the backoff.
    let configuration: RedisConfiguration
    /// Signalled by the driver when it has output, and by `close()`.
    let wake: WakeSignal
    private let closed = Atomic<Bool>(false)

    /// A link that is not yet started.
    init(configuration: RedisConfiguration, wake: WakeSignal) {
        self.configuration = configuration
        self.wake = wake
    }

    /// Starts the link's thread, which makes the first connection and then reports to
    /// `driver`.
    /// - Throws: `RedisError.system(call:errno:)` when no thread can be started.
    func start(driver: some RedisLinkDriver) throws(RedisError) {
        do {
            try DetachedThread.start { [self] in run(driver: driver) }
        } catch {
            throw .system(call: error.call, errno: error.errno)
        }
    }

    /// Stops the link: the connection is closed, everything waiting fails with
    /// `RedisError.closed`, and the thread ends. Idempotent, from any thread.
    func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wake.signal()
    }

    /// Whether `close()` has been called.
    var isClosed: Bool { closed.load(ordering: .acquiring) }

    private func run(driver: some RedisLinkDriver) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { buffer.deallocate() }
        var backoff = RedisBackoff(
            initial: configuration.initialReconnectDelay, maximum: configuration.maximumReconnectDelay)
        var random = SystemRandomNumberGenerator()
        var started = false
        var reportedClosed = false
        while !isClosed {
            if started {
                // The first attempt after a loss is immediate; later ones back off.
                let delay = backoff.nextDelay(using: &random)
                if delay > .zero { pause(until: ContinuousClock.now + delay) }
                if isClosed { break }
            }
            let stream: RedisStream
            do {
                stream = try connect(buffer: buffer)
            } catch {
                if !started {
                    driver.linkDidFailToStart(error)
                    return
                }
                if error != .closed { driver.linkDidFailToReconnect(error) }
                continue
            }
            started = true
            let connected = ContinuousClock.now
            driver.linkDidConnect(at: connected)
            let error = serve(stream, driver: driver, buffer: buffer)
            reportedClosed = isClosed
            driver.linkDidLose(isClosed ? .closed : error)
            // A connection that broke within a second does not reset the backoff, so a
            // Redis that accepts and then drops every connection is not hammered.
            if ContinuousClock.now - connected >= .seconds(1) { backoff.reset() }
        }
        if !started {
            driver.linkDidFailToStart(.closed)
        } else if !reportedClosed {
            driver.linkDidLose(.closed)
        }
    }

    /// Connects and says `AUTH` (with a password) and `PING`, within the connect timeout,
    /// reading with `buffer`.
    private func connect(buffer: UnsafeMutableRawBufferPointer) throws(RedisError) -> RedisStream {
        let host = configuration.host
        let port = configuration.port
        let deadline = ContinuousClock.now + configuration.connectTimeout
        let socket = try RedisSocket.connect(
            host: host, port: port, deadline: deadline, wake: wake, isClosed: { isClosed })
        var stream = RedisStream(socket: socket, limits: configuration.limits)
        var commands: [RedisCommand] = []
        if let password = configuration.password { commands.append(RedisCommand(["AUTH", password])) }
        commands.append(RedisCommand(["PING"]))
        stream.enqueue { buffer in
            for command in commands { command.encode(into: &buffer) }
        }
        var replies: [RESPValue] = []
        while replies.count < commands.count {
            if isClosed { throw .closed }
            try stream.flush()
            guard ContinuousClock.now < deadline else { throw .connectTimeout(host: host, port: port) }
            let events = Int16(POLLIN) | (stream.hasOutput ? Int16(POLLOUT) : 0)
            let ready: Int16
            do {
                ready = try socket.wait(for: events, wake: wake, deadline: deadline).socket
            } catch {
                throw .system(call: error.call, errno: error.errno)
            }
            guard ready & ~Int16(POLLOUT) != 0 else { continue }
            let ended = try stream.fill(using: buffer)
            while replies.count < commands.count, let value = try stream.nextValue() { replies.append(value) }
            if ended, replies.count < commands.count {
                throw RedisError.connectionLost(host: host, port: port).with(detail: "closed by Redis on connecting")
            }
        }
        for (command, reply) in zip(commands, replies) {
            if case .error(let message) = reply { throw .reply(message) }
            if command.name == "PING", reply != .simpleString("PONG") {
                throw RedisError.unexpectedReply(to: "PING").with(detail: reply.description)
            }
        }
        return stream
    }

    /// Moves bytes until the connection breaks or the link is closed.
    /// - Returns: Why it ended.
    private func serve(_ stream: RedisStream, driver: some RedisLinkDriver, buffer: UnsafeMutableRawBufferPointer)
        -> RedisError
    {
        var stream = stream
        let host = configuration.host
        let port = configuration.port
        do {
            // Values that arrived with the handshake's replies.
            while let value = try stream.nextValue() { try driver.linkDidReceive(value, at: ContinuousClock.now) }
            while true {
                if isClosed { return .closed }
                driver.takeOutput(into: &stream)
                try stream.flush()
                var now = ContinuousClock.now
                let deadline = driver.nextDeadline()
                if let due = deadline, due <= now {
                    try driver.linkDidReachDeadline(at: now)
                    continue
                }
                let events = Int16(POLLIN) | (stream.hasOutput ? Int16(POLLOUT) : 0)
                let ready: Int16
                do {
                    ready = try stream.socket.wait(for: events, wake: wake, deadline: deadline).socket
                } catch {
                    return .system(call: error.call, errno: error.errno)
                }
                guard ready & ~Int16(POLLOUT) != 0 else { continue }
                let ended = try stream.fill(using: buffer)
                now = ContinuousClock.now
                while let value = try stream.nextValue() { try driver.linkDidReceive(value, at: now) }
                if ended { return RedisError.connectionLost(host: host, port: port).with(detail: "closed by Redis") }
            }
        } catch {
            return error
        }
    }

    /// Waits until `deadline`, or until `close()`.
    private func pause(until deadline: ContinuousClock.Instant) {
        var descriptors = [pollfd(fd: wake.readDescriptor, events: Int16(POLLIN), revents: 0)]
        while !isClosed, ContinuousClock.now < deadline {
            let timeout = (deadline - ContinuousClock.now).pollMilliseconds
            _ = try? System.poll(&descriptors, timeoutMilliseconds: timeout)
            if descriptors[0].revents != 0 { wake.drain() }
        }
    }
}
