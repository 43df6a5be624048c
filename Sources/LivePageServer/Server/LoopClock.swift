import LivePage
import LivePageSystem
import Synchronization

/// The client manager's clock on the engine's event loops: the default clock of a
/// ``LivePageServer``, so that the hold wheel's ticks, expiry checks, presence flushes and
/// delivery slices run on a loop instead of a timer thread of their own.
///
/// The manager needs its clock before the loops exist (it is made first, the engine
/// around it), so the clock starts detached: timers scheduled before ``attach(to:)`` are
/// held, and handed to the loop when it attaches. Each timer goes to the loop through its
/// inbox, into the loop's timer heap for its clients (the one webhooks use). Every action
/// scheduled here is bounded (a wheel tick, an expiry pass, a slice of at most 4,096
/// deliveries), so it may run on a loop.
///
/// Time is ``MonotonicTime``, the loops' own; ``now`` is the `Duration` since the clock was
/// made, and `instant(at:)` converts back: the one place where the two meet.
final class LoopClock: LivePageClock {
    private struct State {
        var reactor: (any Reactor)?
        /// Timers scheduled before a loop attached, in the order they were scheduled.
        var held: [(deadline: Duration, timer: LoopTimer)] = []
    }

    private let origin = MonotonicTime.now()
    private let state = Mutex(State())

    /// A clock whose timers wait for ``attach(to:)``.
    init() {}

    /// The time since the clock was made.
    var now: Duration { MonotonicTime.now() - origin }

    /// The loops' time for `deadline`, a time on this clock.
    private func instant(at deadline: Duration) -> MonotonicTime {
        origin + deadline
    }

    /// Runs `action` on the attached loop at `deadline`; held until a loop attaches. A
    /// cancelled timer stays in the loop's heap until its deadline and then does nothing.
    func schedule(at deadline: Duration, _ action: @escaping @Sendable () -> Void) -> TimerHandle {
        let timer = LoopTimer(action)
        let reactor = state.withLock { state -> (any Reactor)? in
            if state.reactor == nil { state.held.append((deadline, timer)) }
            return state.reactor
        }
        if let reactor { arm(timer, at: deadline, on: reactor) }
        return TimerHandle { timer.cancel() }
    }

    /// Runs this clock's timers on `reactor` from now on, the held ones first. Once only:
    /// later calls are ignored.
    func attach(to reactor: any Reactor) {
        let held = state.withLock { state -> [(deadline: Duration, timer: LoopTimer)] in
            guard state.reactor == nil else { return [] }
            state.reactor = reactor
            defer { state.held = [] }
            return state.held
        }
        for (deadline, timer) in held { arm(timer, at: deadline, on: reactor) }
    }

    private func arm(_ timer: LoopTimer, at deadline: Duration, on reactor: any Reactor) {
        let instant = instant(at: deadline)
        // Once the loop has stopped, the server is gone and so is the timer's purpose.
        reactor.execute { reactor.schedule(at: instant) { timer.fire() } }
    }
}
