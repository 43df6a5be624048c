import Dispatch
import LivePageSystem
import Synchronization

/// Runs a test's body on a thread of its own instead of the Swift concurrency pool.
///
/// The process tests call blocking helpers (a long-poll that waits the refresh interval, a
/// read that waits for the server to close) from async test bodies. On the pool, whose
/// width is the number of cores (two here), a few such tests at once stall every other
/// test for tens of seconds: a test waiting for a state that lasts a few seconds could
/// miss it, an in-process handler could miss a client's read timeout. Under
/// ``run(_:)``, the body and everything it awaits run on this executor's thread, so a
/// blocking call holds that thread only.
public final class OwnThreadExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: `state` is a Mutex, `ready` a semaphore; both are thread-safe.
    private struct State {
        var jobs: [UnownedJob] = []
        var stopped = false
    }

    private let state = Mutex(State())
    private let ready = DispatchSemaphore(value: 0)

    private init() {}

    /// Runs `body` with this kind of executor as its task executor preference, on a new
    /// thread that ends when `body` returns.
    public static func run<T>(_ body: () async throws -> T) async throws -> T {
        let executor = OwnThreadExecutor()
        guard (try? DetachedThread.start(named: "test-body", { executor.serve() })) != nil else {
            return try await body()  // no thread to be had: the pool, as before
        }
        defer { executor.stop() }
        return try await withTaskExecutorPreference(executor) { try await body() }
    }

    /// Takes a job to run on the executor's thread; once stopped, hands it to the pool.
    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let taken = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.jobs.append(unowned)
            return true
        }
        if taken {
            ready.signal()
        } else {
            globalConcurrentExecutor.enqueue(ExecutorJob(unowned))
        }
    }

    /// The thread: runs jobs in order until stopped, then hands any left to the pool.
    private func serve() {
        while true {
            ready.wait()
            let (job, stopped) = state.withLock { state -> (UnownedJob?, Bool) in
                (state.jobs.isEmpty ? nil : state.jobs.removeFirst(), state.stopped)
            }
            if let job {
                job.runSynchronously(on: asUnownedTaskExecutor())
            } else if stopped {
                return
            }
        }
    }

    private func stop() {
        let left = state.withLock { state -> [UnownedJob] in
            state.stopped = true
            defer { state.jobs = [] }
            return state.jobs
        }
        for job in left { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
        ready.signal()
    }
}
