/// An event loop as the modules beside the HTTP engine see it: the one place where the
/// process waits for sockets and timers.
///
/// The engine's `EventLoop` implements it, so that the Redis client and the client
/// manager's clock run on the engine's loop threads instead of threads of their own, with
/// no dependency on the engine: this narrow seam is all they see. A descriptor is watched
/// for a ``ReactorChannel``, a timer is an action at a ``MonotonicTime``, and work from
/// other threads reaches the loop through ``execute(_:)``.
///
/// Only ``execute(_:)`` may be called from any thread; everything else is called on the
/// loop's thread (from a closure given to ``execute(_:)``, a channel's events, or a timer),
/// and must never block it.
package protocol Reactor: AnyObject, Sendable {
    /// Runs `body` on the loop's thread, soon, and never from within this call.
    /// - Returns: Whether the loop took it: `false` once the loop has stopped, in which
    ///   case `body` never runs.
    @discardableResult
    func execute(_ body: @escaping @Sendable () -> Void) -> Bool

    /// The time at which the loop's current iteration began. Loop thread only.
    var now: MonotonicTime { get }

    /// Watches the non-blocking descriptor `fd` for `channel`, edge-triggered, for input,
    /// output and hang-ups, until ``close(_:)``. Loop thread only.
    /// - Throws: `SystemCallError` for `epoll_ctl`.
    func watch(_ fd: Int32, for channel: any ReactorChannel) throws(SystemCallError)

    /// Stops watching `fd`, if it is watched, and closes it: its owner's only close.
    /// Loop thread only.
    func close(_ fd: Int32)

    /// Runs `action` on the loop's thread at `deadline` or soon after. A timer is never
    /// removed early: an action checks for itself whether it still applies. Loop thread
    /// only.
    func schedule(at deadline: MonotonicTime, _ action: @escaping () -> Void)

    /// Tells `observer` once, on the loop's thread, when the loop stops, before the
    /// descriptors it still watches are closed. Loop thread only.
    /// - Returns: `false` if the loop has stopped already (the observer is not kept).
    func observeStop(_ observer: any ReactorStopObserver) -> Bool

    /// Forgets `observer`, so that a closed client is not kept alive until the loop stops.
    /// Loop thread only.
    func stopObserving(_ observer: any ReactorStopObserver)
}
