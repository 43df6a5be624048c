import CLinuxSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The outcome of a non-blocking call: done with a value, or it would have blocked.
///
/// Would-block is an expected outcome on a non-blocking socket, not an error, so it is a
/// value here and callers switch over it (as NIO's `IOResult` does).
enum IOResult<Value> {
    /// The call did its work and returned `Value`.
    case processed(Value)
    /// The call would have blocked (`EAGAIN`/`EWOULDBLOCK`); wait for readiness.
    case wouldBlock
}

/// The engine's one wrapper around system calls: it retries `EINTR`, returns would-block as
/// `IOResult.wouldBlock`, and throws every other failure as a `SystemCallError` naming the
/// call. Every socket, epoll and eventfd call of the engine goes through here.
enum System {
    /// Runs `body` until it does not fail with `EINTR`.
    @inline(__always)
    static func call(_ name: StaticString, _ body: () -> Int) throws(SystemCallError) -> IOResult<Int> {
        while true {
            let result = body()
            if result >= 0 { return .processed(result) }
            let code = Glibc.errno
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: throw SystemCallError(call: "\(name)", errno: code)
            }
        }
    }

    /// Runs a call that cannot would-block, retrying `EINTR`.
    @inline(__always)
    @discardableResult
    static func blockingCall(_ name: StaticString, _ body: () -> Int) throws(SystemCallError) -> Int {
        switch try call(name, body) {
        case .processed(let value): return value
        case .wouldBlock: throw SystemCallError(call: "\(name)", errno: EAGAIN)
        }
    }

    /// Reads from a socket into `buffer`; `.processed(0)` is end of stream.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemCallError) -> IOResult<Int> {
        try call("recv") { Glibc.recv(fd, buffer.baseAddress, buffer.count, 0) }
    }

    /// Writes to a socket without raising `SIGPIPE` (`MSG_NOSIGNAL`).
    static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemCallError) -> IOResult<Int> {
        try call("send") { Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Accepts a connection as a non-blocking, close-on-exec socket.
    /// - Returns: The new descriptor and the peer's address, or `.wouldBlock`.
    static func accept(_ fd: Int32) throws(SystemCallError) -> IOResult<(fd: Int32, address: SocketAddress)> {
        var address = SocketAddress()
        let result = try address.withMutableSockaddr { pointer, length throws(SystemCallError) in
            try call("accept4") { Int(clinux_accept_nonblocking(fd, pointer, length)) }
        }
        switch result {
        case .processed(let connection): return .processed((Int32(connection), address))
        case .wouldBlock: return .wouldBlock
        }
    }

    /// Closes a descriptor. Not retried on `EINTR`: on Linux the descriptor is released
    /// whatever `close` returns, and retrying could close a descriptor reused meanwhile.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Shuts down the sending side, so the peer reads end of stream after our last byte.
    static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Sets an integer socket option.
    static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) throws(SystemCallError) {
        var value = value
        try blockingCall("setsockopt") {
            Int(setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)))
        }
    }

    /// Adds, modifies or removes an epoll registration whose user data is `token`.
    static func epollControl(_ epoll: Int32, _ operation: Int32, fd: Int32, events: UInt32, token: UInt64)
        throws(SystemCallError)
    {
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        try blockingCall("epoll_ctl") { Int(epoll_ctl(epoll, operation, fd, &event)) }
    }

    /// Waits for events; an interrupted wait returns 0 events.
    static func epollWait(
        _ epoll: Int32, _ events: UnsafeMutablePointer<epoll_event>, capacity: Int32, timeoutMilliseconds: Int32
    ) throws(SystemCallError) -> Int {
        let result = epoll_wait(epoll, events, capacity, timeoutMilliseconds)
        if result >= 0 { return Int(result) }
        if Glibc.errno == EINTR { return 0 }
        throw SystemCallError(call: "epoll_wait", errno: Glibc.errno)
    }

    /// Adds one to an eventfd counter, waking its reader; a full counter already wakes it.
    static func signal(eventFD fd: Int32) {
        var one: UInt64 = 1
        _ = try? call("write") { Glibc.write(fd, &one, 8) }
    }

    /// Resets an eventfd counter.
    static func drain(eventFD fd: Int32) {
        var value: UInt64 = 0
        _ = try? call("read") { Glibc.read(fd, &value, 8) }
    }
}
