import Synchronization

/// Resumes the continuation of one awaited poll exactly once, whichever comes first:
/// the answer, an error, or the task's cancellation (FlyingFox's
/// `IdentifiableContinuation`, in small).
final class PollContinuation: Sendable {
    private struct State {
        var continuation: CheckedContinuation<OutputAnswer, any Error>?
        var isFinished = false
        var isCancelled = false
        var cancelAction: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    /// Stores the continuation; returns `false`, having resumed it with
    /// `CancellationError`, if the task was cancelled already.
    func install(_ continuation: CheckedContinuation<OutputAnswer, any Error>) -> Bool {
        let cancelled = state.withLock { state in
            if state.isCancelled {
                state.isFinished = true
                return true
            }
            state.continuation = continuation
            return false
        }
        if cancelled { continuation.resume(throwing: CancellationError()) }
        return !cancelled
    }

    /// Resumes with `result` unless already resumed.
    func resume(with result: Result<OutputAnswer, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<OutputAnswer, any Error>? in
            guard !state.isFinished else { return nil }
            state.isFinished = true
            state.cancelAction = nil
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }

    /// Runs `action` on cancellation, or at once if the task is cancelled already.
    func onCancel(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state in
            guard !state.isCancelled else { return true }
            if !state.isFinished { state.cancelAction = action }
            return false
        }
        if runNow { action() }
    }

    /// Cancels: runs the cancel action and resumes with `CancellationError`.
    func cancel() {
        let action = state.withLock { state -> (@Sendable () -> Void)? in
            state.isCancelled = true
            defer { state.cancelAction = nil }
            return state.cancelAction
        }
        action?()
        resume(with: .failure(CancellationError()))
    }
}
