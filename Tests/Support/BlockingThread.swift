import LivePageSystem

/// Runs blocking work on a detached POSIX thread, never on the Swift concurrency pool,
/// whose few threads the tests' own tasks need.
public enum BlockingThread {
    /// Starts `body` on a new detached thread.
    /// - Returns: Whether the thread started.
    @discardableResult
    public static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        (try? DetachedThread.start(named: "test-blocking", body)) != nil
    }

    /// Runs `body` on a new thread and awaits its result, so that a blocking call (a
    /// socket read, say) does not hold a thread of the concurrency pool.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try DetachedThread.start(named: "test-blocking") { continuation.resume(with: Result { try body() }) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}
