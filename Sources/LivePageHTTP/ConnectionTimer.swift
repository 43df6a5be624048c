import LivePageSystem

/// The timeouts of one connection, as a pure state machine over `MonotonicTime`.
///
/// It reads no clock: each event carries its time, and `deadline(_:)` and
/// `expiredTimeout(at:_:)` answer for a given time, so tests drive it in milliseconds. The
/// engine calls the events as the connection moves through its phases:
///
/// - accepted → `awaitingHead` from the accept: the first request's headers must be complete
///   within `header` of it;
/// - response sent on a kept-alive connection → `idle`, until the first byte of the next
///   request starts its own `header` budget (`bytesReceived(at:)`); no byte resets it;
/// - head complete with a body → `awaitingBody`, within `body` of the head;
/// - request handed to the handler → `handling`: no deadline at all, however long it is parked;
/// - response blocked on a full socket → `writing`: `write` without any progress closes it;
/// - closing after a response → `lingering`: unread input is drained for `linger` at most.
struct ConnectionTimer: Equatable {
    /// The phase of the connection and when its clock started.
    enum Phase: Equatable {
        case awaitingHead(since: MonotonicTime)
        case idle(since: MonotonicTime)
        case awaitingBody(since: MonotonicTime)
        case handling
        case writing(lastProgress: MonotonicTime)
        case lingering(since: MonotonicTime)
    }

    /// Which timeout expired.
    enum Timeout: Equatable {
        case header, body, idle, write, linger
    }

    /// The length of each timeout, in nanoseconds.
    struct Durations: Equatable {
        var header: UInt64
        var body: UInt64
        var idle: UInt64
        var write: UInt64
        var linger: UInt64

        init(header: UInt64, body: UInt64, idle: UInt64, write: UInt64, linger: UInt64) {
            self.header = header
            self.body = body
            self.idle = idle
            self.write = write
            self.linger = linger
        }

        init(_ configuration: HTTPServerConfiguration) {
            self.init(
                header: configuration.headerTimeout.nanoseconds,
                body: configuration.bodyTimeout.nanoseconds,
                idle: configuration.idleTimeout.nanoseconds,
                write: configuration.writeTimeout.nanoseconds,
                linger: min(2_000_000_000, configuration.writeTimeout.nanoseconds)
            )
        }
    }

    private(set) var phase: Phase

    /// A connection accepted at `time`: its first request's headers are due within `header`.
    init(acceptedAt time: MonotonicTime) {
        phase = .awaitingHead(since: time)
    }

    /// Bytes arrived. On an idle connection they start the next request's header budget;
    /// in any other phase they change nothing (a trickle does not extend a deadline).
    mutating func bytesReceived(at time: MonotonicTime) {
        if case .idle = phase { phase = .awaitingHead(since: time) }
    }

    /// The head is complete and a body follows.
    mutating func bodyStarted(at time: MonotonicTime) {
        phase = .awaitingBody(since: time)
    }

    /// The request went to the handler: no deadline until the response is being written.
    mutating func requestDispatched() {
        phase = .handling
    }

    /// The response could not be written in full: start, or restart after progress, the
    /// write timeout.
    mutating func writeProgressed(at time: MonotonicTime) {
        phase = .writing(lastProgress: time)
    }

    /// The response was handed to the socket in full and the connection stays open. With
    /// input already buffered the next request's header budget starts now; otherwise the
    /// connection is idle.
    mutating func responseSent(at time: MonotonicTime, hasBufferedInput: Bool) {
        phase = hasBufferedInput ? .awaitingHead(since: time) : .idle(since: time)
    }

    /// The connection is closing after its last response and drains unread input.
    mutating func lingerStarted(at time: MonotonicTime) {
        phase = .lingering(since: time)
    }

    /// When the current phase times out, or `nil` when it cannot (a request being handled).
    func deadline(_ durations: Durations) -> MonotonicTime? {
        switch phase {
        case .awaitingHead(let since): since + durations.header
        case .idle(let since): since + durations.idle
        case .awaitingBody(let since): since + durations.body
        case .handling: nil
        case .writing(let lastProgress): lastProgress + durations.write
        case .lingering(let since): since + durations.linger
        }
    }

    /// The timeout that has expired at `time`, if any.
    func expiredTimeout(at time: MonotonicTime, _ durations: Durations) -> Timeout? {
        guard let deadline = deadline(durations), deadline <= time else { return nil }
        switch phase {
        case .awaitingHead: return .header
        case .idle: return .idle
        case .awaitingBody: return .body
        case .handling: return nil
        case .writing: return .write
        case .lingering: return .linger
        }
    }
}
