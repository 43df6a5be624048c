import Glibc
import Synchronization

/// Collects what a child writes to one pipe, on a thread of its own, so that the child
/// never blocks on a full pipe however little the test reads.
final class OutputBuffer: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var ended = false
    }

    private let state = Mutex(State())

    /// Starts reading `fd` until its end, then closes it.
    init(reading fd: Int32) {
        let started = BlockingThread.start { [self] in
            var chunk = [UInt8](repeating: 0, count: 16384)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    state.withLock { $0.bytes += chunk[..<count] }
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            Glibc.close(fd)
            state.withLock { $0.ended = true }
        }
        if !started {
            Glibc.close(fd)
            state.withLock { $0.ended = true }
        }
    }

    /// What has been read so far, as UTF-8 text.
    var text: String { String(decoding: state.withLock { $0.bytes }, as: UTF8.self) }

    /// Whether the pipe has reached its end.
    var ended: Bool { state.withLock { $0.ended } }
}

/// Runs blocking work on a detached POSIX thread, never on the Swift concurrency pool,
/// whose few threads the tests' own tasks need.
public enum BlockingThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts `body` on a new detached thread.
    /// - Returns: Whether the thread started.
    @discardableResult
    public static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
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
            return false
        }
        pthread_detach(thread)
        return true
    }

    /// Runs `body` on a new thread and awaits its result, so that a blocking call (a
    /// socket read, say) does not hold a thread of the concurrency pool.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let started = start { continuation.resume(with: Result { try body() }) }
            if !started { continuation.resume(throwing: ServerProcessError("pthread_create failed")) }
        }
    }
}
