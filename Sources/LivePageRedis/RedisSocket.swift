import LivePageSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A non-blocking TCP socket to Redis, owned by one `RedisLink` on its event loop.
///
/// It does not close itself: the link watches it on its `Reactor` and closes it there
/// (`Reactor.close(_:)`), exactly once, when the connection ends.
struct RedisSocket {
    /// The descriptor.
    let descriptor: Int32
    private let host: String
    private let port: Int

    /// Opens a socket for `address` and starts connecting it, without waiting.
    /// - Returns: The socket, and whether it connected at once; otherwise the connect is
    ///   in progress: it has ended when the socket is writable (read `connectError`).
    /// - Throws: `SystemCallError` for `socket` or `connect` (the socket is closed then).
    static func open(_ address: RedisAddress, host: String, port: Int) throws(SystemCallError) -> (RedisSocket, Bool) {
        let descriptor = try System.socket(family: address.family, protocol: address.socketProtocol)
        let started = address.withSockaddr { pointer, length in
            Result { () throws(SystemCallError) in try System.connect(descriptor, pointer, length) }
        }
        do {
            return (RedisSocket(descriptor: descriptor, host: host, port: port), try started.get())
        } catch {
            System.close(descriptor)
            throw error
        }
    }

    private init(descriptor: Int32, host: String, port: Int) {
        self.descriptor = descriptor
        self.host = host
        self.port = port
    }

    /// Why the connect failed (`SO_ERROR`), or 0 once it has succeeded.
    var connectError: Int32 { System.socketError(descriptor) }

    /// Sets the options of a connected socket: commands are small and latency matters
    /// more than packet count; a peer that vanishes without a FIN is eventually noticed by
    /// the kernel.
    func configureConnected() {
        try? System.setOption(descriptor, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        try? System.setOption(descriptor, level: SOL_SOCKET, name: SO_KEEPALIVE, value: 1)
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
