import Glibc
import LivePageSystem

/// A real clock for a manager embedded without the HTTP server: monotonic time, and one
/// thread (started with the first timer) that runs timers when they fall due.
///
/// A `LivePageServer` does not use it: its manager's timers run on the engine's event
/// loops, so that the server runs no thread but its loops. A `ClientManager` made on its
/// own, with no loops to run on, still needs a clock that moves: this one, its default.
/// Timers share one heap and one thread that sleeps until the earliest deadline, instead
/// of a task or a dispatch source each.
public final class SystemClock: LivePageClock, @unchecked Sendable {
    // @unchecked Sendable: `timers`, `nextID` and `threadStarted` are only touched with
    // `mutex` locked; `mutex` and `condition` are allocated once and never freed (a
    // clock lives as long as the process).
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var timers = TimerHeap()
    private var nextID: UInt64 = 0
    private var threadStarted = false
    private let origin = MonotonicTime.now()

    /// The clock shared by every manager that is not given another.
    public static let shared = SystemClock()

    /// A clock with its own timer thread, started with its first timer.
    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    /// The time since the clock was made.
    public var now: Duration { MonotonicTime.now() - origin }

    /// Schedules `action` to run on the clock's thread at `deadline`.
    public func schedule(at deadline: Duration, _ action: @escaping @Sendable () -> Void) -> TimerHandle {
        pthread_mutex_lock(mutex)
        nextID += 1
        let id = nextID
        let isEarliest = timers.earliestDeadline.map { deadline < $0 } ?? true
        timers.insert(TimerHeap.Entry(deadline: deadline, id: id, action: action))
        if !threadStarted {
            threadStarted = true
            startThread()
        } else if isEarliest {
            pthread_cond_signal(condition)
        }
        pthread_mutex_unlock(mutex)
        return TimerHandle { [self] in
            pthread_mutex_lock(mutex)
            timers.remove(id: id)
            pthread_mutex_unlock(mutex)
        }
    }

    /// Starts the timer thread, named `livepage-timer`, so that a process test can tell
    /// it from the event loops (a `LivePageServer` must not start it).
    private func startThread() {
        do {
            try DetachedThread.start(named: "livepage-timer") { [self] in runTimers() }
        } catch {
            preconditionFailure("cannot start the LivePage timer thread: \(error)")
        }
    }

    /// The timer thread: runs what is due, then sleeps until the next deadline or until a
    /// new earliest timer is scheduled.
    private func runTimers() -> Never {
        pthread_mutex_lock(mutex)
        while true {
            let now = self.now
            if let entry = timers.popDue(at: now) {
                pthread_mutex_unlock(mutex)
                entry.action()
                pthread_mutex_lock(mutex)
                continue
            }
            if let deadline = timers.earliestDeadline {
                var wakeUp = timespec()
                clock_gettime(CLOCK_MONOTONIC, &wakeUp)
                let (seconds, attoseconds) = (deadline - now).components
                let nanoseconds = Int(wakeUp.tv_nsec) + Int(attoseconds / 1_000_000_000) + 1
                wakeUp.tv_sec += Int(seconds) + nanoseconds / 1_000_000_000
                wakeUp.tv_nsec = nanoseconds % 1_000_000_000
                pthread_cond_timedwait(condition, mutex, &wakeUp)
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
    }
}
