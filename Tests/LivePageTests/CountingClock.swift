import LivePage
import Synchronization

/// A manual clock that counts the timers set on it: how often the manager asks to be
/// woken, which a test of an idle or sliced pass holds to a bound.
final class CountingClock: LivePageClock {
    /// The clock that keeps the time and runs the timers; tests advance it.
    let base = ManualClock()
    private let count = Atomic<Int>(0)
    private let immediate = Atomic<Int>(0)

    /// The timers set so far.
    var scheduledCount: Int { count.load(ordering: .relaxed) }

    /// The timers set so far for the time they were set at: work that goes on at once,
    /// in its own timer.
    var immediateCount: Int { immediate.load(ordering: .relaxed) }

    var now: Duration { base.now }

    func schedule(at deadline: Duration, _ action: @escaping @Sendable () -> Void) -> TimerHandle {
        count.add(1, ordering: .relaxed)
        if deadline <= base.now { immediate.add(1, ordering: .relaxed) }
        return base.schedule(at: deadline, action)
    }
}
