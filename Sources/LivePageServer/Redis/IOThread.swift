#if canImport(Glibc)
    import Glibc
#endif

/// Starts the detached POSIX thread of a connection: a plain thread, not the Swift
/// concurrency pool, because it blocks in `poll` (and in `getaddrinfo`).
enum IOThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Runs `body` on a new detached thread.
    /// - Throws: `RedisError.system(call:errno:)` when no thread can be started.
    static func detach(_ body: @escaping @Sendable () -> Void) throws(RedisError) {
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
            throw .system(call: "pthread_create", errno: result)
        }
        pthread_detach(thread)
    }
}
