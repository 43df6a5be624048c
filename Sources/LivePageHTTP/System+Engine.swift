import CLinuxSystem
import LivePageSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The engine's own system calls: accepting, shutting down, epoll, eventfd and pauses.
extension System {
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

    /// Shuts down the sending side, so the peer reads end of stream after our last byte.
    static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
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

    /// Sleeps for `nanoseconds`, or less if `fd` (an eventfd) becomes readable; an
    /// interruption ends it early. Nothing is read: the caller's epoll set reports `fd`.
    static func pause(nanoseconds: UInt64, unlessReadable fd: Int32) {
        _ = clinux_wait_readable(fd, nanoseconds)
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
