/// Decides how an event loop with nothing to do waits: asleep in `epoll_wait`, which the
/// next request to arrive wakes, or in a short pause that no socket interrupts.
///
/// A loop asleep in `epoll_wait` is woken by the first request that arrives. The wake-up is
/// done in the sender's system call (on a virtual machine, an interrupt between processors)
/// and costs the loop a context switch. Usually that is what a request should get. But when
/// requests come from many connections a few microseconds apart and every one of them only
/// parks, as the re-polls do after a fan-out, the loop takes each one faster than the next
/// arrives and is woken again for almost every one: during a fan-out to 10,000 clients,
/// hundreds to a thousand wake-ups a second, paid by the clients as much as by the server.
///
/// So after four wake-ups in a row (``Trigger/standard``) that each came within 200 µs,
/// handed requests to the handler and wrote no response, the loop stops sleeping in
/// `epoll_wait`: it pauses for the configured time on a timer, then takes everything that
/// arrived in one `epoll_wait` that does not block. A pause that finds no request, or a
/// response written, ends the mode. So a request that is answered at once (a publish, a
/// poll with events waiting) waits at most one pause, and a client that waits for each
/// answer before its next request is never held back, since each of its requests is
/// answered.
///
/// A value type with no clock: the loop reports what each wait found, and tests drive it
/// with the same reports.
struct WakeUpCoalescer {
    /// How the loop waits now.
    enum State: Equatable {
        /// In `epoll_wait`, until something arrives or a timer is due. `shortWakes` counts
        /// the short wake-ups in a row that led to no response (``Trigger``).
        case blocking(shortWakes: Int)
        /// In a pause on a timer before each look at the sockets.
        case pausing
    }

    /// How the loop waited in the iteration it reports.
    enum Wait: Equatable {
        /// It had work queued and looked without waiting.
        case polled
        /// It slept in `epoll_wait` for this many nanoseconds.
        case blocked(nanoseconds: UInt64)
        /// It paused, then looked without waiting.
        case paused
    }

    /// What starts the pauses: ``streak`` wake-ups in a row, each within ``shortWake``
    /// nanoseconds of the loop going to sleep, handing requests to the handler and
    /// writing no response.
    struct Trigger: Equatable {
        /// Short wake-ups in a row that start the pauses.
        var streak: Int
        /// A wake-up sooner than this, in nanoseconds, counts as short.
        var shortWake: UInt64

        /// Four wake-ups in a row, each within 200 µs: about twenty times what the loop
        /// takes to park one poll, so only a stream of requests starts the pauses.
        static let standard = Trigger(streak: 4, shortWake: 200_000)
    }

    /// The length of a pause in nanoseconds; 0 turns pausing off.
    let pause: UInt64
    /// What starts the pauses.
    let trigger: Trigger

    /// How the loop waits now.
    private(set) var state = State.blocking(shortWakes: 0)

    /// A coalescer that pauses for `pause` nanoseconds (never if 0) once `trigger` is met.
    init(pause: UInt64, trigger: Trigger = .standard) {
        self.pause = pause
        self.trigger = trigger
    }

    /// How long the loop should pause before it looks at its sockets, when it has nothing to
    /// do, or `nil` when it should sleep in `epoll_wait`.
    /// - Parameter untilDeadline: Nanoseconds until the loop's next timer is due, `nil` if it
    ///   has none: a pause never outlasts a timer.
    func pauseLength(untilDeadline: UInt64?) -> UInt64? {
        guard state == .pausing else { return nil }
        return min(pause, untilDeadline ?? .max)
    }

    /// Records one iteration of the loop.
    /// - Parameters:
    ///   - wait: How the loop waited before it.
    ///   - requests: The requests it handed to the handler.
    ///   - answered: Whether it wrote a response.
    mutating func record(_ wait: Wait, requests: Int, answered: Bool) {
        guard pause > 0, !answered else {
            state = .blocking(shortWakes: 0)
            return
        }
        switch (wait, state) {
        case (.polled, _):
            break
        case (.blocked(let nanoseconds), .blocking(let shortWakes)):
            guard requests > 0, nanoseconds < trigger.shortWake else {
                state = .blocking(shortWakes: 0)
                return
            }
            state = shortWakes + 1 >= trigger.streak ? .pausing : .blocking(shortWakes: shortWakes + 1)
        case (.blocked, .pausing):  // not reached: a pausing loop does not block
            state = .blocking(shortWakes: 0)
        case (.paused, _):
            if requests == 0 { state = .blocking(shortWakes: 0) }
        }
    }
}
