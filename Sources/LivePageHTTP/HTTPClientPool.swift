import LivePageSystem

/// The connections and waiting requests of one ``HTTPClient``, on one event loop.
///
/// `@unchecked Sendable`: the client keeps a reference to hand it work, but every
/// property except `loop` is touched only on the loop's thread (work arrives through the
/// loop's inbox).
final class HTTPClientPool: ReactorStopObserver, @unchecked Sendable {
    /// One request from the call to its answer.
    final class Pending {
        let bytes: [UInt8]
        let isHead: Bool
        let deadline: MonotonicTime
        private var completion: ((Result<HTTPClientResponse, HTTPClientError>) -> Void)?
        /// The connection carrying it, while one does.
        weak var connection: HTTPClientConnection?
        /// Whether it was sent again after a kept-alive connection closed under it.
        var wasRetried = false

        init(bytes: [UInt8], isHead: Bool, deadline: MonotonicTime, completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void) {
            self.bytes = bytes
            self.isHead = isHead
            self.deadline = deadline
            self.completion = completion
        }

        var isDone: Bool { completion == nil }

        /// Answers the caller, once.
        func finish(_ result: Result<HTTPClientResponse, HTTPClientError>) {
            guard let completion else { return }
            self.completion = nil
            connection = nil
            completion(result)
        }
    }

    let loop: EventLoop
    let address: SocketAddress
    let configuration: HTTPClientConfiguration
    /// Requests waiting for a connection, oldest first from `head`; answered ones are
    /// skipped when reached.
    private var queue: [Pending] = []
    private var head = 0
    private(set) var connections: [HTTPClientConnection] = []
    /// Idle connections, the most recently used last.
    private var idle: [HTTPClientConnection] = []
    private var isStopped = false
    private var isObservingStop = false
    /// The read buffer every connection of the pool reads into.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)

    init(loop: EventLoop, address: SocketAddress, configuration: HTTPClientConfiguration) {
        self.loop = loop
        self.address = address
        self.configuration = configuration
    }

    deinit { readBuffer.deallocate() }

    /// Takes a request: a connection carries it at once, or it waits for one.
    func submit(bytes: [UInt8], isHead: Bool, timeout: Duration, completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void) {
        guard !isStopped, !loop.hasStopped else { return completion(.failure(.stopped)) }
        if !isObservingStop {
            isObservingStop = true
            loop.stopObservers.append(self)
        }
        let now = MonotonicTime.now()
        let pending = Pending(bytes: bytes, isHead: isHead, deadline: now + timeout.nanoseconds, completion: completion)
        loop.schedule(at: pending.deadline) { [weak self, weak pending] in
            guard let self, let pending, !pending.isDone else { return }
            self.timedOut(pending)
        }
        queue.append(pending)
        dispatch()
    }

    /// Hands waiting requests to idle connections, opening new ones within the limit.
    func dispatch() {
        while head < queue.count {
            let pending = queue[head]
            if pending.isDone {
                popQueue()
                continue
            }
            let connection: HTTPClientConnection
            if let reused = idle.popLast() {
                connection = reused
            } else if connections.count < configuration.maximumConnections {
                guard let opened = open() else { continue }
                connection = opened
            } else {
                return
            }
            popQueue()
            connection.start(pending)
        }
    }

    private func popQueue() {
        head += 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }

    /// A new connection, or `nil` when one cannot even be started (the request at the
    /// head of the queue has then been failed).
    private func open() -> HTTPClientConnection? {
        switch HTTPClientConnection.connect(to: address, pool: self) {
        case .success(let connection):
            connections.append(connection)
            return connection
        case .failure(let error):
            queue[head].finish(.failure(error))
            popQueue()
            return nil
        }
    }

    /// `connection` answered its request and may carry another.
    func becameIdle(_ connection: HTTPClientConnection) {
        idle.append(connection)
        connection.lastUsed = loop.now
        armIdleTimer(for: connection)
        dispatch()
    }

    /// Closes `connection` once it has been idle for the idle timeout. One timer per
    /// connection at a time, moved on when it was used meanwhile, so a busy pool does not
    /// fill the loop's timer heap with one per answer.
    private func armIdleTimer(for connection: HTTPClientConnection) {
        guard !connection.isIdleTimerArmed else { return }
        connection.isIdleTimerArmed = true
        loop.schedule(at: connection.lastUsed + configuration.idleTimeout.nanoseconds) { [weak self, weak connection] in
            guard let self, let connection else { return }
            connection.isIdleTimerArmed = false
            guard connection.isIdle else {
                // Carrying a request now: armed again when it next goes idle, unless closed.
                return
            }
            if self.loop.now.nanoseconds &- connection.lastUsed.nanoseconds >= self.configuration.idleTimeout.nanoseconds {
                connection.shutDown()
                self.forget(connection)
            } else {
                self.armIdleTimer(for: connection)
            }
        }
    }

    /// `connection` closed; `pending`, the request it carried, is sent again on another
    /// connection when it may be (a kept-alive connection that closed before answering),
    /// or fails with `error`.
    func closed(_ connection: HTTPClientConnection, carrying pending: Pending?, error: HTTPClientError) {
        forget(connection)
        if let pending, !pending.isDone {
            pending.connection = nil
            if connection.requestsServed > 0, !connection.hasReceivedBytes, !pending.wasRetried, error == .connectionClosed {
                // The server closed an idle kept-alive connection as the request left:
                // nothing of it was answered, so it goes again, first, on a new connection.
                pending.wasRetried = true
                queue.insert(pending, at: head)
            } else {
                pending.finish(.failure(error))
            }
        }
        dispatch()
    }

    /// Drops `connection` from the pool's lists (it has closed).
    private func forget(_ connection: HTTPClientConnection) {
        connections.removeAll { $0 === connection }
        idle.removeAll { $0 === connection }
    }

    /// The deadline passed: the request fails, and the connection carrying it, which may
    /// still receive its answer, is closed.
    private func timedOut(_ pending: Pending) {
        if let connection = pending.connection {
            connection.shutDown()
            forget(connection)
        }
        pending.finish(.failure(.timedOut))
        dispatch()
    }

    func reactorStopped() {
        isStopped = true
        let waiting = queue[head...]
        queue = []
        head = 0
        for pending in waiting { pending.finish(.failure(.stopped)) }
        let open = connections
        connections = []
        idle = []
        for connection in open { connection.shutDown()?.finish(.failure(.stopped)) }
    }
}
