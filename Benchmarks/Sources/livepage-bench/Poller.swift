import CBenchSystem

#if canImport(Glibc)
    import Glibc
#endif

/// One epoll set, edge-triggered, and the buffer `epoll_wait` fills.
///
/// Each registration carries a 64-bit token: the connection's slot in the low 32 bits
/// and its generation in the high 32, so an event for a closed and reused descriptor is
/// recognised as stale and dropped.
final class Poller {
    /// At most this many ready descriptors per wait.
    static let capacity = 4096

    private let epoll: Int32
    private let events: UnsafeMutablePointer<epoll_event>

    /// Makes an empty epoll set.
    /// - Throws: `BenchError` if `epoll_create1` fails.
    init() throws(BenchError) {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { throw .systemCall("epoll_create1", errno: System.errno) }
        events = .allocate(capacity: Self.capacity)
    }

    deinit {
        events.deallocate()
        close(epoll)
    }

    /// Watches `fd` for input, output and the peer's shutdown, edge-triggered.
    /// - Throws: `BenchError` if `epoll_ctl` fails.
    func add(_ fd: Int32, token: UInt64) throws(BenchError) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
        event.data.u64 = token
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0 else {
            throw .systemCall("epoll_ctl", errno: System.errno)
        }
    }

    /// Stops watching `fd` (before it is closed).
    func remove(_ fd: Int32) {
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nil)
    }

    /// Waits up to `milliseconds` for ready descriptors.
    /// - Returns: How many of `event(at:)` are filled; 0 on timeout or a signal.
    /// - Throws: `BenchError` if `epoll_wait` fails other than by `EINTR`.
    func wait(milliseconds: Int32) throws(BenchError) -> Int {
        let count = epoll_wait(epoll, events, Int32(Self.capacity), milliseconds)
        if count < 0 {
            if System.errno == EINTR { return 0 }
            throw .systemCall("epoll_wait", errno: System.errno)
        }
        return Int(count)
    }

    /// The token and event bits of ready descriptor `index`.
    @inline(__always)
    func event(at index: Int) -> (token: UInt64, events: UInt32) {
        (events[index].data.u64, events[index].events)
    }
}
