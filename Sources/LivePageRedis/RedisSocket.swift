import LivePageSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A connected, non-blocking TCP socket to Redis, owned by one connection thread. It is
/// closed exactly once, when the last reference goes (a class, so no copy can close it
/// again); it is not `Sendable` and never leaves its thread.
final class RedisSocket {
    /// The descriptor.
    let descriptor: Int32
    private let host: String
    private let port: Int

    private init(descriptor: Int32, host: String, port: Int) {
        self.descriptor = descriptor
        self.host = host
        self.port = port
    }

    deinit {
        System.close(descriptor)
    }

    /// Resolves `host` and connects to the first of its addresses that accepts, all before
    /// `deadline`. The wait can be cut short by `wake` when `isClosed()` says so.
    /// - Throws: `RedisError.cannotResolve(host:port:)`, `.unreachable(host:port:errno:)`
    ///   with the last address's errno, `.connectTimeout(host:port:)`, or `.closed`.
    static func connect(
        host: String, port: Int, deadline: ContinuousClock.Instant, wake: WakeSignal, isClosed: () -> Bool
    ) throws(RedisError) -> RedisSocket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else {
            let detail = status == EAI_SYSTEM ? SystemCallError.describe(errno) : String(cString: gai_strerror(status))
            throw RedisError.cannotResolve(host: host, port: port).with(detail: detail)
        }
        defer { freeaddrinfo(list) }

        var lastError: Int32 = ECONNREFUSED
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let address = entry?.pointee {
            entry = address.ai_next
            guard let socketAddress = address.ai_addr else { continue }
            let descriptor: Int32
            do {
                descriptor = try System.socket(family: address.ai_family, protocol: address.ai_protocol)
            } catch {
                lastError = error.errno
                continue
            }
            let socket = RedisSocket(descriptor: descriptor, host: host, port: port)
            do {
                if try !System.connect(descriptor, socketAddress, address.ai_addrlen) {
                    guard try socket.waitUntilConnected(deadline: deadline, wake: wake, isClosed: isClosed) else {
                        throw RedisError.connectTimeout(host: host, port: port)
                    }
                }
            } catch let error as SystemCallError {
                lastError = error.errno
                continue
            } catch let error as RedisError {
                throw error
            } catch {
                continue
            }
            let code = System.socketError(descriptor)
            guard code == 0 else {
                lastError = code
                continue
            }
            // Commands are small and latency matters more than packet count; a peer that
            // vanishes without a FIN is eventually noticed by the kernel.
            try? System.setOption(descriptor, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
            try? System.setOption(descriptor, level: SOL_SOCKET, name: SO_KEEPALIVE, value: 1)
            return socket
        }
        throw RedisError.unreachable(host: host, port: port, errno: lastError)
    }

    /// Waits for a connection in progress to complete (or fail: read `socketError`).
    /// - Returns: `false` if `deadline` passed first.
    private func waitUntilConnected(
        deadline: ContinuousClock.Instant, wake: WakeSignal, isClosed: () -> Bool
    ) throws -> Bool {
        while true {
            if isClosed() { throw RedisError.closed }
            let now = ContinuousClock.now
            guard now < deadline else { return false }
            let ready = try wait(for: Int16(POLLOUT), wake: wake, deadline: deadline)
            if ready.socket != 0 { return true }
        }
    }

    /// Waits until the socket has one of `events`, `wake` is signalled, or `deadline`
    /// (`nil`: none) passes.
    /// - Returns: The socket's returned events (0 if none) and whether `wake` fired (it is
    ///   drained).
    func wait(
        for events: Int16, wake: WakeSignal, deadline: ContinuousClock.Instant?
    ) throws(SystemCallError) -> (socket: Int16, woken: Bool) {
        var descriptors = [
            pollfd(fd: descriptor, events: events, revents: 0),
            pollfd(fd: wake.readDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        let timeout = deadline.map { (($0 - ContinuousClock.now)).pollMilliseconds } ?? -1
        _ = try System.poll(&descriptors, timeoutMilliseconds: timeout)
        let woken = descriptors[1].revents != 0
        if woken { wake.drain() }
        return (descriptors[0].revents, woken)
    }

    /// Reads what has arrived into `buffer`.
    /// - Returns: The number of bytes read, 0 at end of stream, or `.wouldBlock`.
    /// - Throws: `RedisError.connectionLost(host:port:)` with the errno's text.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(RedisError) -> IOResult<Int> {
        do {
            return try System.read(descriptor, into: buffer)
        } catch {
            throw RedisError.connectionLost(host: host, port: port).with(detail: SystemCallError.describe(error.errno))
        }
    }

    /// Writes as much of `bytes` as the socket takes.
    /// - Returns: The number of bytes written, or `.wouldBlock`.
    /// - Throws: `RedisError.connectionLost(host:port:)` with the errno's text.
    func write(_ bytes: UnsafeRawBufferPointer) throws(RedisError) -> IOResult<Int> {
        do {
            return try System.send(descriptor, bytes)
        } catch {
            throw RedisError.connectionLost(host: host, port: port).with(detail: SystemCallError.describe(error.errno))
        }
    }
}
