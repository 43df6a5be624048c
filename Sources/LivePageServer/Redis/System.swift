#if canImport(Glibc)
    import Glibc
#endif

/// The outcome of a non-blocking call: done with a value, or it would have blocked.
///
/// Would-block is an expected outcome on a non-blocking socket, not an error, so it is a
/// value here and callers switch over it.
enum IOResult<Value> {
    /// The call did its work and returned `Value`.
    case processed(Value)
    /// The call would have blocked (`EAGAIN`/`EWOULDBLOCK`); wait for readiness.
    case wouldBlock
}

/// The Redis client's one wrapper around system calls: it retries `EINTR`, returns
/// would-block as `IOResult.wouldBlock`, and throws every other failure as a
/// `SystemCallError` naming the call. Every socket and poll call of the client goes
/// through here.
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

    /// Opens a non-blocking, close-on-exec stream socket.
    static func socket(family: Int32, protocol: Int32) throws(SystemCallError) -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        return Int32(try blockingCall("socket") { Int(Glibc.socket(family, type, `protocol`)) })
    }

    /// Starts connecting a non-blocking socket.
    /// - Returns: `true` if connected at once, `false` if the connection is in progress
    ///   (wait until the socket is writable, then read `socketError`).
    static func connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) throws(SystemCallError)
        -> Bool
    {
        // A non-blocking connect interrupted by a signal goes on in the background: it is
        // in progress, not to be retried (a retry would fail with EALREADY).
        if Glibc.connect(fd, address, length) == 0 { return true }
        switch Glibc.errno {
        case EINPROGRESS, EINTR, EALREADY: return false
        case let code: throw SystemCallError(call: "connect", errno: code)
        }
    }

    /// The pending error of a socket (`SO_ERROR`): 0 once a connection has succeeded.
    static func socketError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) == 0 else { return Glibc.errno }
        return value
    }

    /// Sets an integer socket option.
    static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) throws(SystemCallError) {
        var value = value
        try blockingCall("setsockopt") {
            Int(setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)))
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

    /// Waits for events on `descriptors` for at most `timeoutMilliseconds` (-1: no limit).
    /// - Returns: How many descriptors have events; 0 on timeout or when a signal
    ///   interrupted the wait (the caller recomputes its timeout and waits again).
    static func poll(_ descriptors: inout [pollfd], timeoutMilliseconds: Int32) throws(SystemCallError) -> Int {
        let result = Glibc.poll(&descriptors, nfds_t(descriptors.count), timeoutMilliseconds)
        if result >= 0 { return Int(result) }
        if Glibc.errno == EINTR { return 0 }
        throw SystemCallError(call: "poll", errno: Glibc.errno)
    }

    /// Closes a descriptor. Not retried on `EINTR`: on Linux the descriptor is released
    /// whatever `close` returns, and retrying could close a descriptor reused meanwhile.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}
