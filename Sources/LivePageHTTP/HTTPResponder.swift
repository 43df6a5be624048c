import Synchronization

/// The one-shot, thread-safe handle that answers one request.
///
/// The engine gives one to `HTTPHandler.handle(_:responder:)` with each request. The first
/// `respond(_:)` wins and later calls are ignored, so racing answers (an event and a hold
/// timer, say) need no coordination of their own. It may be called from any thread: on the
/// connection's own event-loop thread it writes to the socket at once; from elsewhere it hands
/// the response to that loop, which wakes at most once for a burst of them.
///
/// A responder costs a few dozen bytes, and a connection reuses its responder for its next
/// request once nothing else holds it. If the connection goes away first (the peer closes
/// or resets it, a timeout, a forced shutdown), the actions given to `onCancel(_:)` run once
/// and `respond(_:)` does nothing.
///
/// Most responders stand for a connection on an event loop. One made with
/// `init(capturing:)` hands its response to a closure instead, so handlers run in-process
/// without sockets (`LivePageTesting`); the engine's path only gains a switch.
public final class HTTPResponder: Sendable {
    /// Where the response goes. Both payloads are class references, so the enum takes one
    /// word, as the loop reference it replaced did: a responder is allocated per request.
    private enum Destination {
        /// The connection `fd`/`generation` on this loop.
        case connection(EventLoop)
        /// A closure that takes the response, in-process.
        case capture(Capture)
    }

    /// The closure of a capturing responder, boxed to keep ``Destination`` one word wide.
    private final class Capture: Sendable {
        let take: @Sendable (HTTPResponse) -> Void

        init(_ take: @escaping @Sendable (HTTPResponse) -> Void) {
            self.take = take
        }
    }

    private enum State {
        /// Waiting for a response; the actions to run if the connection goes away. One
        /// action (a parked poll's) is the common case and needs no array.
        case pending(onCancel: CancelActions)
        case responded
        case cancelled
    }

    private enum CancelActions {
        case none
        case one(@Sendable () -> Void)
        case several([@Sendable () -> Void])

        func adding(_ action: @escaping @Sendable () -> Void) -> CancelActions {
            switch self {
            case .none: .one(action)
            case .one(let first): .several([first, action])
            case .several(let actions): .several(actions + [action])
            }
        }

        var all: [@Sendable () -> Void] {
            switch self {
            case .none: []
            case .one(let action): [action]
            case .several(let actions): actions
            }
        }
    }

    private let state = Mutex<State>(.pending(onCancel: .none))
    private let destination: Destination
    /// The connection's descriptor and generation: together they name it uniquely on its loop.
    let fd: Int32
    let generation: UInt32

    init(loop: EventLoop, fd: Int32, generation: UInt32) {
        self.destination = .connection(loop)
        self.fd = fd
        self.generation = generation
    }

    /// A responder for a request handled in-process: the first response goes to `capture`,
    /// on the thread that responds, and `cancel()` plays the client going away.
    /// - Parameter capture: Takes the response; called at most once.
    package init(capturing capture: @escaping @Sendable (HTTPResponse) -> Void) {
        self.destination = .capture(Capture(capture))
        self.fd = -1
        self.generation = 0
    }

    /// Sends `response`, if no response was sent and the connection has not gone away.
    ///
    /// Callable from any thread. Only the first call has an effect. Responses on one
    /// connection are written in request order (the engine reads the next request only after
    /// this response is written).
    /// - Parameter response: The response to send.
    public func respond(_ response: HTTPResponse) {
        let won = state.withLock { state -> Bool in
            guard case .pending = state else { return false }
            state = .responded
            return true
        }
        guard won else { return }
        switch destination {
        case .connection(let loop): loop.deliver(response, for: self)
        case .capture(let capture): capture.take(response)
        }
    }

    /// Registers an action to run once if the connection goes away before a response is sent.
    ///
    /// Runs at once, on the calling thread, if it has already gone away; never runs once a
    /// response was sent. Actions run on the connection's loop thread and must not block.
    /// - Parameter action: What to do, for example cancelling a task or unparking a poll.
    public func onCancel(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            switch state {
            case .pending(let actions):
                state = .pending(onCancel: actions.adding(action))
                return false
            case .responded:
                return false
            case .cancelled:
                return true
            }
        }
        if runNow { action() }
    }

    /// Whether the connection went away before a response was sent.
    public var isCancelled: Bool {
        state.withLock { state in
            if case .cancelled = state { return true }
            return false
        }
    }

    /// Makes this answered responder stand for a new request on its connection.
    ///
    /// Only the connection calls it, and only while it holds the sole reference
    /// (`isKnownUniquelyReferenced`): then no handler, task or message of the loop can
    /// still answer or cancel it for the request it stood for, and reusing it saves an
    /// object per request.
    func rearm() {
        state.withLock { $0 = .pending(onCancel: .none) }
    }

    /// Marks the request cancelled and runs its cancellation actions, unless it was answered.
    package func cancel() {
        let actions = state.withLock { state -> CancelActions in
            guard case .pending(let actions) = state else { return .none }
            state = .cancelled
            return actions
        }
        for action in actions.all { action() }
    }
}
