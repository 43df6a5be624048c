import Synchronization

/// One timer of a ``LoopClock``: its action, and whether it was cancelled, so that the
/// loop's timer heap (which never removes an entry early) runs it at most once and never
/// after a cancellation.
final class LoopTimer: Sendable {
    private let action: @Sendable () -> Void
    private let done = Atomic<Bool>(false)

    init(_ action: @escaping @Sendable () -> Void) {
        self.action = action
    }

    /// Runs the action unless it was cancelled or has run.
    func fire() {
        guard !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
        action()
    }

    /// Makes ``fire()`` do nothing.
    func cancel() {
        done.store(true, ordering: .releasing)
    }
}
