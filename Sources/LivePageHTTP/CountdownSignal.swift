import Synchronization

/// Lets one task wait until each member of a group (an event loop) has arrived once.
///
/// `wait()` returns when every member has arrived or the waiting task is cancelled, which is
/// how shutdown races "all connections closed" against its deadline.
final class CountdownSignal: Sendable {
    private struct State {
        var remaining: Set<Int>
        var waiters: [CheckedContinuation<Void, Never>] = []
        var cancelled = false
    }

    private let state: Mutex<State>

    /// A signal that fires when each of `members` has arrived.
    init(members: Range<Int>) {
        state = Mutex(State(remaining: Set(members)))
    }

    /// Records that `member` arrived; a repeated arrival changes nothing.
    func arrive(_ member: Int) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.remaining.remove(member)
            guard state.remaining.isEmpty else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until every member has arrived, or until the calling task is cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.remaining.isEmpty || state.cancelled { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.cancelled = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }
}
