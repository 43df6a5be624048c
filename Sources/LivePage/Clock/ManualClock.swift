import Synchronization

/// A clock that moves only when told to, for tests: refresh, expiry and coalescing are
/// tested in milliseconds, deterministically.
///
/// ``advance(by:)`` runs every timer that falls due, in deadline order, with ``now``
/// set to each timer's deadline while it runs, on the caller's thread.
public final class ManualClock: LivePageClock {
    private struct State: ~Copyable {
        var now: Duration
        var timers = TimerHeap()
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    /// A clock reading `now` (default zero).
    public init(now: Duration = .zero) {
        self.state = Mutex(State(now: now))
    }

    /// The clock's current reading.
    public var now: Duration { state.withLock { $0.now } }

    /// The number of timers scheduled and not yet run or cancelled.
    public var scheduledTimerCount: Int { state.withLock { $0.timers.count } }

    /// Schedules `action` for when the clock reaches `deadline`.
    public func schedule(at deadline: Duration, _ action: @escaping @Sendable () -> Void) -> TimerHandle {
        let id = state.withLock { state in
            state.nextID += 1
            state.timers.insert(TimerHeap.Entry(deadline: deadline, id: state.nextID, action: action))
            return state.nextID
        }
        return TimerHandle { [weak self] in
            self?.state.withLock { _ = $0.timers.remove(id: id) }
        }
    }

    /// Moves the clock forward by `duration`, running each timer that falls due on the way.
    /// Timers scheduled by those timers run too if they fall due before the end.
    public func advance(by duration: Duration) {
        let target = state.withLock { $0.now } + duration
        while let entry = state.withLock({ state -> TimerHeap.Entry? in
            guard let entry = state.timers.popDue(at: target) else { return nil }
            state.now = max(state.now, entry.deadline)
            return entry
        }) {
            entry.action()
        }
        state.withLock { $0.now = max($0.now, target) }
    }
}
