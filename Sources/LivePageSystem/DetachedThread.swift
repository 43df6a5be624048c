#if canImport(Glibc)
    import Glibc
#endif

/// Starts detached POSIX threads: plain threads, not the Swift concurrency pool, for work
/// that blocks in the kernel (an event loop in `epoll_wait`, a Redis connection in `poll`
/// and `getaddrinfo`).
package enum DetachedThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Runs `body` on a new detached thread.
    /// - Throws: `SystemCallError` for `pthread_create` when no thread can be started.
    package static func start(_ body: @escaping @Sendable () -> Void) throws(SystemCallError) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { context in
                Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, context)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw SystemCallError(call: "pthread_create", errno: result)
        }
        pthread_detach(thread)
    }
}
