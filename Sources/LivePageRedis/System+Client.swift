import LivePageSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The Redis client's own system calls: opening and connecting a non-blocking socket.
extension System {
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
}
