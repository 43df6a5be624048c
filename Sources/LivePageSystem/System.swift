import CLinuxSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The one wrapper around system calls of the HTTP engine and the Redis client: it retries
/// `EINTR`, returns would-block as `IOResult.wouldBlock`, and throws every other failure as
/// a `SystemCallError` naming the call. Each module adds the calls only it makes (epoll
/// and eventfd for the engine; a non-blocking socket and connect for the Redis client)
/// in an extension.
package enum System {
    /// Runs `body` until it does not fail with `EINTR`.
    @inlinable
    package static func call(_ name: StaticString, _ body: () -> Int) throws(SystemCallError) -> IOResult<Int> {
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
    @inlinable
    @discardableResult
    package static func blockingCall(_ name: StaticString, _ body: () -> Int) throws(SystemCallError) -> Int {
        switch try call(name, body) {
        case .processed(let value): return value
        case .wouldBlock: throw SystemCallError(call: "\(name)", errno: EAGAIN)
        }
    }

    /// Reads from a socket into `buffer`; `.processed(0)` is end of stream.
    @inlinable
    package static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemCallError) -> IOResult<Int> {
        try call("recv") { clinux_receive(fd, buffer.baseAddress, buffer.count) }
    }

    /// Writes to a socket without raising `SIGPIPE` (`MSG_NOSIGNAL`).
    @inlinable
    package static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemCallError) -> IOResult<Int> {
        try call("send") { clinux_send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Closes a descriptor. Not retried on `EINTR`: on Linux the descriptor is released
    /// whatever `close` returns, and retrying could close a descriptor reused meanwhile.
    package static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Sets an integer socket option.
    package static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) throws(SystemCallError) {
        var value = value
        try blockingCall("setsockopt") {
            Int(setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)))
        }
    }
}
