/// Monotonic time and timers for the client manager: the long-poll hold time, client
/// expiry and presence coalescing all go through one.
///
/// A `LivePageServer` uses a clock on its own event loops; a manager embedded without the
/// server uses ``SystemClock``; tests use ``ManualClock`` and advance it by milliseconds,
/// so that refresh, expiry and coalescing are tested without waiting. Time is a
/// `Duration` since the clock's origin (on the monotonic clock, for the real ones).
public protocol LivePageClock: Sendable {
    /// The time elapsed since the clock's origin. Never goes back.
    var now: Duration { get }

    /// Runs `action` once, at or soon after `deadline` (a time on this clock), on a thread
    /// of the clock's choosing, never from within this call.
    /// - Returns: A handle that cancels the timer if it has not run yet.
    func schedule(at deadline: Duration, _ action: @escaping @Sendable () -> Void) -> TimerHandle
}

/// Cancels one scheduled timer.
public struct TimerHandle: Sendable {
    private let cancelAction: @Sendable () -> Void

    /// A handle whose ``cancel()`` runs `cancel`.
    public init(cancel: @escaping @Sendable () -> Void) {
        self.cancelAction = cancel
    }

    /// Stops the timer if it has not run yet; does nothing afterwards.
    public func cancel() { cancelAction() }
}
