import CLinuxSystem
import LivePageSystem

#if canImport(Glibc)
    import Glibc
#endif

/// One connection of an ``HTTPClient`` pool: connecting, carrying one request at a time,
/// or idle, kept alive for the next. Touched on its loop's thread only.
final class HTTPClientConnection: LoopChannel {
    private enum State {
        case connecting
        case active
        case idle
        case closed
    }

    let fd: Int32
    let generation: UInt32
    private unowned let pool: HTTPClientPool
    private var state = State.connecting
    /// The request being carried.
    private(set) var pending: HTTPClientPool.Pending?
    private var outbound: [UInt8] = []
    private var outboundOffset = 0
    private var decoder: HTTPResponseDecoder
    /// Requests answered on this connection.
    private(set) var requestsServed = 0
    /// The socket may have output room (edge-triggered: set by events, cleared by a short write).
    private var writable = false
    /// When it last finished a request (for the pool's idle timeout).
    var lastUsed = MonotonicTime(nanoseconds: 0)
    /// Whether the pool has an idle timer pending for it.
    var isIdleTimerArmed = false

    private init(fd: Int32, generation: UInt32, pool: HTTPClientPool) {
        self.fd = fd
        self.generation = generation
        self.pool = pool
        decoder = HTTPResponseDecoder(
            maximumHeadSize: pool.configuration.maximumResponseHeadSize,
            maximumBodySize: pool.configuration.maximumResponseBodySize
        )
    }

    var isIdle: Bool { state == .idle }

    /// Whether any byte of the current request's answer arrived.
    var hasReceivedBytes: Bool { decoder.hasReceivedBytes }

    /// Starts a non-blocking connect to `address` and watches the socket.
    static func connect(to address: SocketAddress, pool: HTTPClientPool) -> Result<HTTPClientConnection, HTTPClientError> {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.connectionFailed(SystemCallError.describe(errno))) }
        try? System.setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        var result: Int32
        repeat {
            result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        } while result < 0 && errno == EINTR
        if result < 0, errno != EINPROGRESS {
            let reason = SystemCallError.describe(errno)
            System.close(fd)
            return .failure(.connectionFailed(reason))
        }
        let connection = HTTPClientConnection(fd: fd, generation: pool.loop.makeGeneration(), pool: pool)
        do {
            try pool.loop.register(connection, fd: fd)
        } catch {
            System.close(fd)
            return .failure(.connectionFailed(error.description))
        }
        if result == 0 { connection.state = .idle }
        return .success(connection)
    }

    /// Carries `request`: writes it now if connected, once connected otherwise.
    func start(_ request: HTTPClientPool.Pending) {
        pending = request
        request.connection = self
        outbound = request.bytes
        outboundOffset = 0
        decoder = HTTPResponseDecoder(
            maximumHeadSize: pool.configuration.maximumResponseHeadSize,
            maximumBodySize: pool.configuration.maximumResponseBodySize
        )
        decoder.isHeadRequest = request.isHead
        if state == .idle {
            state = .active
            writable = true
            flush()
        }
    }

    func handle(events: UInt32) {
        guard state != .closed else { return }
        if events & EPOLLOUT.rawValue != 0 { writable = true }
        if state == .connecting {
            guard events & (EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 else { return }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
            guard code == 0, events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) == 0 else {
                fail(.connectionFailed(SystemCallError.describe(code == 0 ? ECONNREFUSED : code)))
                return
            }
            state = pending == nil ? .idle : .active
        }
        if state == .active, writable, outboundOffset < outbound.count { flush() }
        guard state != .closed else { return }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
            readInput()
        }
    }

    /// Writes what the socket takes of the request.
    private func flush() {
        while outboundOffset < outbound.count {
            let result = outbound.withUnsafeBytes { bytes in
                Result { () throws(SystemCallError) in
                    try System.send(fd, UnsafeRawBufferPointer(rebasing: bytes[outboundOffset...]))
                }
            }
            switch result {
            case .success(.processed(let count)):
                outboundOffset += count
            case .success(.wouldBlock):
                writable = false
                return
            case .failure:
                fail(.connectionClosed)
                return
            }
        }
        outbound = []
        outboundOffset = 0
    }

    /// Reads until the socket is empty, feeding the decoder.
    private func readInput() {
        while state != .closed {
            let count: Int
            do {
                switch try System.read(fd, into: pool.readBuffer) {
                case .wouldBlock: return
                case .processed(let read): count = read
                }
            } catch {
                fail(.connectionClosed)
                return
            }
            guard count > 0 else {
                endOfStream()
                return
            }
            guard state == .active, pending != nil else {
                // Bytes nobody asked for: the connection cannot be trusted with a request.
                fail(.invalidResponse("bytes arrived while no request was under way"))
                return
            }
            do {
                let outcome = try decoder.receive(UnsafeRawBufferPointer(rebasing: pool.readBuffer[0..<count]))
                if case .complete(_, let keepAlive) = outcome { complete(keepAlive: keepAlive) }
            } catch {
                fail(error)
                return
            }
        }
    }

    private func endOfStream() {
        guard state == .active, pending != nil else {
            fail(.connectionClosed)
            return
        }
        do {
            if case .complete = try decoder.endOfStream() {
                complete(keepAlive: false)
                return
            }
        } catch {
            fail(error)
            return
        }
        fail(.connectionClosed)
    }

    /// A whole answer: hand it over, then go idle or close.
    private func complete(keepAlive: Bool) {
        let request = pending
        pending = nil
        requestsServed += 1
        let response = decoder.response
        decoder = HTTPResponseDecoder(maximumHeadSize: 0, maximumBodySize: 0)
        if keepAlive, outboundOffset >= outbound.count {
            state = .idle
            request?.finish(.success(response))
            pool.becameIdle(self)
        } else {
            shutDown()
            request?.finish(.success(response))
            pool.closed(self, carrying: nil, error: .connectionClosed)
        }
    }

    /// Closes the socket and tells the pool, which fails or retries the request carried.
    private func fail(_ error: HTTPClientError) {
        guard state != .closed else { return }
        let request = shutDown()
        pool.closed(self, carrying: request, error: error)
    }

    /// Closes the socket, without telling the pool; returns the request it carried.
    @discardableResult
    func shutDown() -> HTTPClientPool.Pending? {
        guard state != .closed else { return nil }
        state = .closed
        pool.loop.closeChannel(fd: fd)
        defer { pending = nil }
        return pending
    }
}
