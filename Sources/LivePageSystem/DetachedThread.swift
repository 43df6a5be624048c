import CLinuxSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Starts detached, named POSIX threads: plain threads, not the Swift concurrency pool,
/// for work that blocks in the kernel (an event loop in `epoll_wait`, the timer thread of
/// a `SystemClock`).
package enum DetachedThread {
    private final class Body {
        let name: String
        let run: @Sendable () -> Void
        init(name: String, _ run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }
    }

    /// Runs `body` on a new detached thread named `name`.
    ///
    /// The name is what `top -H`, `ps -L` and `/proc/PID/task/*/comm` show, so that every
    /// thread of LivePage's own can be told apart from the runtime's.
    /// - Parameters:
    ///   - name: At most 15 bytes (the kernel's limit); longer names are cut.
    ///   - body: What the thread runs.
    /// - Throws: `SystemCallError` for `pthread_create` when no thread can be started.
    package static func start(named name: String, _ body: @escaping @Sendable () -> Void) throws(SystemCallError) {
        let context = Unmanaged.passRetained(Body(name: String(decoding: name.utf8.prefix(15), as: UTF8.self), body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { context in
                let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
                _ = clinux_name_current_thread(body.name)
                body.run()
                return nil
            }, context)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw SystemCallError(call: "pthread_create", errno: result)
        }
        pthread_detach(thread)
    }
}
