import LivePageSystem

/// The life of one connection, as a pure state machine: which request it is on, what the
/// socket has said, and when it times out.
///
/// It does no I/O and reads no clock. The engine (`Connection`) reports what happened (bytes
/// read, a head decoded, a response ready, output written, the peer gone) and carries out
/// the action each transition returns, so every legal sequence can be tested by feeding
/// events and checking actions, without a socket (`ConnectionStateMachineTests`). A
/// connection goes
///
/// ```
/// awaitingHead ─head with a body─▶ readingBody ─body─┐
///      │ ▲ head without a body                       ▼
///      │ └──────────────────────────────────── handling ─response─▶ sending ─┬─kept alive─▶ awaitingHead
///      └─refused (any reading state)──────────────────────────────▶ sending ─┴─closing─▶ lingering ─▶ closed
/// ```
///
/// and to `closed` from any state (a reset, a timeout, shutdown). Only one request is
/// handled at a time: input that arrives meanwhile is buffered, not parsed, so responses keep
/// request order. Two facts about the socket are independent of the request and kept beside
/// the state: whether it may have unread input (edge-triggered epoll), and whether the peer
/// has shut down its sending side.
///
/// Generic over the responder only so that its tests need no event loop; the engine uses
/// `ConnectionStateMachine<HTTPResponder>`, specialized, and no transition allocates.
struct ConnectionStateMachine<Responder: AnyObject> {
    /// What the engine keeps of the request being handled, to frame its response.
    struct Request: Equatable {
        /// The request was `HEAD`: its response has no body.
        var isHead: Bool
        /// The request was HTTP/1.0: a kept-alive response says so.
        var isHTTP10: Bool
        /// The request lets the connection stay open after its response.
        var keepAlive: Bool
    }

    /// What happens once the final response being sent is in the socket.
    enum Ending: Equatable {
        /// The connection stays open for the next request.
        case keepAlive
        /// The connection closes.
        case close
        /// The connection closes after refusing a request whose unread rest may still be
        /// arriving, so it lingers to drain it.
        case closeRefused
    }

    /// Where the connection is in its life.
    enum State {
        /// Waiting for a request's head, or reading it; between requests when kept alive.
        case awaitingHead
        /// The head is complete and its body is being read. `indirect`: the head is the
        /// largest payload by far, and held inline it would make every connection, parked
        /// or idle, that much larger; boxed, only a request with a body pays for it.
        indirect case readingBody(DecodedHead)
        /// The request is with the handler, which answers through `Responder`.
        case handling(Responder, Request)
        /// The final response is queued and not yet all in the socket.
        case sending(Ending)
        /// The last response is sent and the sending side shut down; unread input is
        /// drained (`drained` bytes so far) so that the peer's unread data does not reset
        /// the connection before it has read the response.
        case lingering(drained: Int)
        /// The descriptor is closed.
        case closed
    }

    /// How much input the connection takes now.
    enum ReadPlan: Equatable {
        /// Read at most this many bytes.
        case read(upTo: Int)
        /// Input is paused until the response is written.
        case pause
        /// Input is paused and the peer hung up on the request being handled: close.
        case close
    }

    /// What to do with bytes just read.
    enum ReadAction: Equatable {
        /// Decode them.
        case parse
        /// Keep them for after the response: a request is being handled or answered.
        case buffer
        /// Drop them: the connection is draining before it closes.
        case discard
        /// Close: a lingering peer sent too much.
        case close
    }

    /// What follows a decoded head.
    enum HeadAction: Equatable {
        /// The request is complete: hand it to the handler.
        case dispatch
        /// Read its body; answer `100 Continue` first when `sendContinue`.
        case readBody(sendContinue: Bool)
        /// Refuse it (a body over the limit) with this error.
        case refuse(HTTPDecodingError)
    }

    /// What follows the end of the peer's input (a read of 0 bytes).
    enum EndOfInputAction: Equatable {
        /// Close now.
        case close
        /// Finish writing the response, then close.
        case finishSending
    }

    /// What follows when all queued output is in the socket.
    enum OutputAction: Equatable {
        /// Nothing: what was written was not a final response (`100 Continue`).
        case none
        /// Kept alive: parse buffered input and read on, once the call stack unwinds.
        case resume
        /// Close now: there is nothing to drain.
        case close
        /// Shut down the sending side and drain unread input for a while.
        case linger
        /// Linger if the socket holds unread input (peek to know), otherwise close.
        case lingerIfInputWaiting
    }

    /// What the connection does next with its input, once it may take more.
    enum InputStep: Equatable {
        /// Read: the socket may hold input.
        case read
        /// Close: the peer hung up and nothing more will come.
        case close
        /// Wait for the next readiness event.
        case wait
    }

    /// The most a lingering connection drains before it gives up and closes, in bytes (1 MiB).
    static var lingerLimit: Int { 1024 * 1024 }

    private(set) var state: State = .awaitingHead
    /// The connection's timeouts, moved along by the transitions.
    private(set) var timer: ConnectionTimer
    /// The socket may have unread input: set by readiness events, cleared by a short read.
    private(set) var isReadable = false
    /// The peer has shut down its sending side (`EPOLLRDHUP`, or a read of 0 bytes).
    private(set) var peerHasHungUp = false

    /// A connection accepted at `time`, waiting for its first request.
    init(acceptedAt time: MonotonicTime) {
        timer = ConnectionTimer(acceptedAt: time)
    }

    // MARK: Queries

    /// Nothing is under way: no request being read, handled or answered. Shutdown closes
    /// such connections at once.
    var isIdle: Bool {
        if case .awaitingHead = state { return true }
        return false
    }

    /// Requests are being read and decoded (none is with the handler or being answered).
    var isReadingRequest: Bool {
        switch state {
        case .awaitingHead, .readingBody: true
        case .handling, .sending, .lingering, .closed: false
        }
    }

    /// The connection waits for input: reading a request, or draining before it closes.
    var isWaitingForInput: Bool {
        switch state {
        case .awaitingHead, .readingBody, .lingering: true
        case .handling, .sending, .closed: false
        }
    }

    /// The connection drains input before closing.
    var isLingering: Bool {
        if case .lingering = state { return true }
        return false
    }

    /// The descriptor is closed.
    var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// A final response is queued and not yet all in the socket.
    var isSending: Bool {
        if case .sending = state { return true }
        return false
    }

    /// How much to read now, given the scratch buffer's size, the most unparsed input the
    /// connection may hold while busy, and how much it holds.
    @inline(__always)
    func readPlan(scratch: Int, inputLimit: Int, pending: Int) -> ReadPlan {
        let room: Int
        switch state {
        case .handling, .sending: room = min(scratch, inputLimit - pending)
        case .awaitingHead, .readingBody, .lingering, .closed: room = scratch
        }
        if room > 0 { return .read(upTo: room) }
        if peerHasHungUp, case .handling = state { return .close }
        return .pause
    }

    /// What to do once a response is written and the connection may take input again.
    var nextInputStep: InputStep {
        if isReadable { return .read }
        if peerHasHungUp && !isLingering { return .close }
        return .wait
    }

    /// When the connection times out, or `nil` while its request is being handled.
    func deadline(_ durations: ConnectionTimer.Durations) -> MonotonicTime? {
        timer.deadline(durations)
    }

    /// The timeout that has expired at `time`, if any.
    func expiredTimeout(at time: MonotonicTime, _ durations: ConnectionTimer.Durations) -> ConnectionTimer.Timeout? {
        timer.expiredTimeout(at: time, durations)
    }

    // MARK: The socket

    /// epoll reported input (or a hang-up): the socket may be read.
    mutating func socketBecameReadable() {
        isReadable = true
    }

    /// A read would block: the socket is empty until the next edge.
    mutating func socketDrained() {
        isReadable = false
    }

    /// epoll reported that the peer shut down its sending side.
    mutating func peerHungUp() {
        peerHasHungUp = true
    }

    /// `count` bytes were read into a buffer of `room` bytes at `time`.
    @inline(__always)
    mutating func received(_ count: Int, of room: Int, at time: MonotonicTime) -> ReadAction {
        // A short read emptied the socket; the next arrival raises a new edge.
        if count < room && !peerHasHungUp { isReadable = false }
        switch state {
        case .lingering(let drained):
            let total = drained + count
            if total > Self.lingerLimit { return .close }
            state = .lingering(drained: total)
            return .discard
        case .closed:
            return .discard
        case .handling, .sending:
            timer.bytesReceived(at: time)
            return .buffer
        case .awaitingHead, .readingBody:
            timer.bytesReceived(at: time)
            return .parse
        }
    }

    /// A read returned 0: the peer closed its side and sends nothing more.
    mutating func inputEnded() -> EndOfInputAction {
        isReadable = false
        peerHasHungUp = true
        guard case .sending(let ending) = state else { return .close }
        if ending == .keepAlive { state = .sending(.close) }
        return .finishSending
    }

    // MARK: Requests

    /// The decoder produced `head` at `time`, and its body limit gave `decision`.
    /// - Parameter inputIsExhausted: No byte follows the head in the input at hand, so a
    ///   client expecting `100 Continue` is waiting for it.
    mutating func headReceived(
        _ head: DecodedHead,
        _ decision: HTTPRequestDecoder.BodyDecision,
        inputIsExhausted: Bool,
        at time: MonotonicTime
    ) -> HeadAction {
        switch decision {
        case .complete:
            return .dispatch
        case .readBody:
            state = .readingBody(head)
            timer.bodyStarted(at: time)
            return .readBody(sendContinue: head.expectsContinue && inputIsExhausted)
        case .refused(let error):
            return .refuse(error)
        }
    }

    /// The body is complete: the head it belongs to, to dispatch, or `nil` if no body was
    /// being read.
    mutating func bodyReceived() -> DecodedHead? {
        guard case .readingBody(let head) = state else { return nil }
        state = .awaitingHead
        return head
    }

    /// The request with `head` went to the handler, which answers through `responder`:
    /// no deadline until its response is being written.
    @inline(__always)
    mutating func requestDispatched(_ head: DecodedHead, to responder: Responder) {
        let request = Request(
            isHead: head.head.method == .head, isHTTP10: head.head.version == .http1_0, keepAlive: head.keepAlive)
        state = .handling(responder, request)
        timer.requestDispatched()
    }

    /// The decoder refused the request being read: its error response goes out, and the
    /// connection closes after it.
    /// - Parameter head: The refused request's head when it was just decoded (a declared
    ///   body over the limit); otherwise the head whose body was being read, if any.
    /// - Returns: How to encode the error response.
    mutating func requestRefused(_ head: DecodedHead? = nil) -> HTTPResponseEncoder.Context {
        var isHead = head?.head.method == .head
        if head == nil, case .readingBody(let reading) = state { isHead = reading.head.method == .head }
        state = .sending(.closeRefused)
        return HTTPResponseEncoder.Context(isHead: isHead, isHTTP10: false, closing: true)
    }

    /// The handler answered `responder` with `response`.
    /// - Parameter isShuttingDown: The server is shutting down: the connection closes after.
    /// - Returns: How to encode the response, or `nil` when `responder` is not the request
    ///   being handled (the connection went on, or closed) and the response is dropped.
    @inline(__always)
    mutating func responseReady(
        from responder: Responder,
        _ response: HTTPResponse,
        isShuttingDown: Bool
    ) -> HTTPResponseEncoder.Context? {
        guard case .handling(let current, let request) = state, current === responder else { return nil }
        let closing =
            !request.keepAlive || isShuttingDown || peerHasHungUp || HTTPResponseEncoder.asksToClose(response)
        state = .sending(closing ? .close : .keepAlive)
        return HTTPResponseEncoder.Context(isHead: request.isHead, isHTTP10: request.isHTTP10, closing: closing)
    }

    // MARK: Output

    /// The socket took no more of the output at `time`; `progressed` says whether it took
    /// some since the last attempt.
    /// - Returns: Whether the deadline changed: the write timeout starts when a final
    ///   response first blocks and restarts on progress.
    mutating func writeBlocked(progressed: Bool, at time: MonotonicTime) -> Bool {
        guard case .sending = state else { return false }
        if case .writing = timer.phase, !progressed { return false }
        timer.writeProgressed(at: time)
        return true
    }

    /// All queued output is in the socket at `time`.
    /// - Parameter hasBufferedInput: Input arrived while the request was handled (pipelined
    ///   requests, or unread bytes after a refused one).
    mutating func outputWritten(hasBufferedInput: Bool, at time: MonotonicTime) -> OutputAction {
        guard case .sending(let ending) = state else { return .none }
        switch ending {
        case .keepAlive:
            state = .awaitingHead
            timer.responseSent(at: time, hasBufferedInput: hasBufferedInput)
            return .resume
        case .close, .closeRefused:
            if peerHasHungUp { return .close }
            guard ending == .closeRefused || hasBufferedInput || isReadable else { return .lingerIfInputWaiting }
            startLingering(at: time)
            return .linger
        }
    }

    /// The sending side is shut down at `time`: drain unread input until the linger timeout.
    mutating func startLingering(at time: MonotonicTime) {
        state = .lingering(drained: 0)
        timer.lingerStarted(at: time)
    }

    /// The descriptor closed.
    /// - Returns: The responder of the request being handled, to cancel, if any.
    mutating func closed() -> Responder? {
        defer { state = .closed }
        if case .handling(let responder, _) = state { return responder }
        return nil
    }
}
