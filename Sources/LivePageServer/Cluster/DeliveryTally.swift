import Synchronization

/// Sums the delivery counts the servers report for one published message, and lets the
/// publisher wait for all of them, or for its deadline.
///
/// Counts may arrive before the publisher learns from `PUBLISH` how many servers got
/// the message, so both orders are handled.
final class DeliveryTally: Sendable {
    private struct State {
        var expected: Int?
        var reports = 0
        var sum = 0
        var continuation: CheckedContinuation<Int, Never>?
        var deadlinePassed = false
        var isFinished = false
    }

    private let state = Mutex(State())

    /// Adds one server's count.
    func add(_ count: Int) {
        let finished = state.withLock { state -> (CheckedContinuation<Int, Never>, Int)? in
            state.reports += 1
            state.sum += count
            return Self.finishIfComplete(&state)
        }
        if let (continuation, sum) = finished { continuation.resume(returning: sum) }
    }

    /// Waits for `expected` reports or `timeout`, whichever is first.
    /// - Returns: The sum of the counts reported by then.
    func total(expecting expected: Int, timeout: Duration) async -> Int {
        let deadline = Task {
            try? await Task.sleep(for: timeout)
            self.finish()
        }
        defer { deadline.cancel() }
        return await withCheckedContinuation { continuation in
            let finished = state.withLock { state -> (CheckedContinuation<Int, Never>, Int)? in
                state.expected = expected
                state.continuation = continuation
                return Self.finishIfComplete(&state)
            }
            if let (continuation, sum) = finished { continuation.resume(returning: sum) }
        }
    }

    /// Stops waiting, now or as soon as the publisher waits: it gets the counts reported
    /// so far.
    private func finish() {
        let finished = state.withLock { state -> (CheckedContinuation<Int, Never>, Int)? in
            state.deadlinePassed = true
            return Self.finishIfComplete(&state)
        }
        if let (continuation, sum) = finished { continuation.resume(returning: sum) }
    }

    private static func finishIfComplete(_ state: inout State) -> (CheckedContinuation<Int, Never>, Int)? {
        guard !state.isFinished, let expected = state.expected, let continuation = state.continuation,
            state.reports >= expected || state.deadlinePassed
        else { return nil }
        state.isFinished = true
        state.continuation = nil
        return (continuation, state.sum)
    }
}
