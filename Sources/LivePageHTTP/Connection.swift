import CLinuxSystem
import LivePageSystem

#if canImport(Glibc)
    import Glibc
#endif

/// One accepted socket and the request on it, owned and touched by one event loop only.
///
/// It holds no read buffer of its own: reads go to the loop's scratch buffer and only bytes
/// left unparsed are copied into `pending`, so an idle kept-alive connection is this object
/// and nothing else. One request is handled at a time: the next is parsed only once the
/// response to this one has been handed to the socket, so responses keep request order and
/// at most one response is buffered.
///
/// Its life is `ConnectionStateMachine`: this class does the reads, writes and closes, and
/// the machine, told what happened, says what to do next.
///
/// Its mutable state is `@exclusivity(unchecked)`: only its loop's thread touches it, one
/// access at a time, and the runtime's check of each access showed in fan-out profiles.
final class Connection {
    /// Response bytes waiting for the socket: one enum rather than a buffer, an offset and
    /// a range, which keeps a connection as small as it was before the group buffer.
    enum Output {
        /// Nothing waits.
        case none
        /// This connection's response in the loop's group buffer
        /// (``EventLoop/groupBuffer``), at offsets `start..<end`, written with the loop's
        /// next group. A connection has one only while nothing else waits, so it comes
        /// first: output queued behind it moves it to `.buffered` (``queue(_:)``).
        case grouped(start: UInt32, end: UInt32)
        /// Bytes of the connection's own from `offset` on: what the socket did not take of
        /// a group, or what came behind a grouped response.
        case buffered([UInt8], offset: Int)
    }

    let fd: Int32
    let generation: UInt32
    /// `unowned(unsafe)`: the loop holds every connection in its table until it closes
    /// it, and outlives them all, so this reference never dangles; the checked `unowned`
    /// cost a strong retain and release at every use, on every request and answer.
    unowned(unsafe) let loop: EventLoop
    let remoteAddress: String
    @exclusivity(unchecked) var decoder: HTTPRequestDecoder
    /// Where the connection is in its life: the request, the socket, the timeouts.
    @exclusivity(unchecked) var machine: ConnectionStateMachine<HTTPResponder>
    /// The responder of the last request dispatched, reused for the next one when nothing
    /// else holds it any more (``HTTPResponder/rearm()``).
    @exclusivity(unchecked) var lastResponder: HTTPResponder?
    /// The deadline of this connection's live entry in the loop's timer heap.
    @exclusivity(unchecked) var scheduledDeadline: MonotonicTime?
    /// Received bytes not yet consumed by the decoder.
    @exclusivity(unchecked) var pending: [UInt8] = []
    /// Response bytes not yet accepted by the socket.
    @exclusivity(unchecked) var output = Output.none
    /// The connection is in the loop's write queue.
    @exclusivity(unchecked) var isAwaitingWrite = false

    init(fd: Int32, generation: UInt32, loop: EventLoop, remoteAddress: String, acceptedAt time: MonotonicTime) {
        self.fd = fd
        self.generation = generation
        self.loop = loop
        self.remoteAddress = remoteAddress
        decoder = HTTPRequestDecoder(limits: loop.configuration.limits)
        machine = ConnectionStateMachine(acceptedAt: time)
    }

    /// Whether the descriptor is closed.
    var isClosed: Bool { machine.isClosed }

    /// Whether nothing is under way: no request being read, handled or answered. Shutdown
    /// closes such connections at once.
    var isIdle: Bool { machine.isIdle }

    /// Reacts to an epoll event.
    func handle(events: UInt32) {
        if events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 {
            loop.close(self)
            return
        }
        if events & EPOLLRDHUP.rawValue != 0 { machine.peerHungUp() }
        if events & EPOLLOUT.rawValue != 0, case .buffered = output {
            flush()
            if isClosed { return }
        }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 {
            machine.socketBecameReadable()
            readInput()
        }
    }

    /// Reads while the socket has input and the connection may take it.
    func readInput() {
        while machine.isReadable && !isClosed {
            let room: Int
            switch machine.readPlan(scratch: loop.scratch.count, inputLimit: loop.inputLimit, pending: pending.count) {
            case .read(let upTo):
                room = upTo
            case .pause:
                return  // until the response is written
            case .close:
                loop.close(self)  // a hang-up still ends a parked request
                return
            }
            let buffer = UnsafeMutableRawBufferPointer(rebasing: loop.scratch[0..<room])
            let count: Int
            do {
                switch try System.read(fd, into: buffer) {
                case .wouldBlock:
                    machine.socketDrained()
                    return
                case .processed(let read):
                    count = read
                }
            } catch {
                loop.close(self)  // ECONNRESET and the like: the peer is gone
                return
            }
            guard count > 0 else {
                peerClosedInput()
                return
            }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            switch machine.received(count, of: room, at: loop.now) {
            case .discard:
                continue
            case .close:
                loop.close(self)
                continue
            case .buffer:
                pending.append(contentsOf: bytes)
            case .parse where pending.isEmpty:
                let consumed = decode(bytes)
                if keepsInput && consumed < count {
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[consumed...]))
                }
            case .parse:
                pending.append(contentsOf: bytes)
                decodePending()
            }
            scheduleDeadline()
        }
    }

    /// Whether unparsed input is still wanted: the connection neither closed nor drains.
    private var keepsInput: Bool { !isClosed && !machine.isLingering }

    /// Decodes and dispatches what `pending` holds.
    func decodePending() {
        guard !pending.isEmpty else { return }
        let input = pending
        pending = []
        let consumed = input.withUnsafeBytes { decode($0) }
        if keepsInput && consumed < input.count {
            pending = consumed == 0 ? input : Array(input[consumed...])
        }
    }

    /// The peer closed its side: end a handled request, finish a response being written, or close.
    private func peerClosedInput() {
        switch machine.inputEnded() {
        case .finishSending: break
        case .close: loop.close(self)
        }
    }

    /// Continues after a response: parse buffered requests, then read more.
    func resume() {
        guard machine.isWaitingForInput else { return }
        if !machine.isLingering {
            decodePending()
            scheduleDeadline()
        }
        guard machine.isWaitingForInput else { return }
        switch machine.nextInputStep {
        case .read: readInput()
        case .close: loop.close(self)
        case .wait: break
        }
    }

    /// Closes after the final response: shut down the sending side, then drain unread input
    /// briefly, so the response is not destroyed by a reset for data the peer sent unread.
    ///
    /// With nothing left unread (no refused request, no pipelined bytes, an empty socket)
    /// there is nothing to drain, and the connection closes at once.
    func startClosing(_ action: ConnectionStateMachine<HTTPResponder>.OutputAction) {
        pending = []
        switch action {
        case .linger:
            break
        case .lingerIfInputWaiting where socketHasInput():
            machine.startLingering(at: loop.now)
        default:
            loop.close(self)
            return
        }
        System.shutdownWrite(fd)
        scheduleDeadline()
        loop.scheduleResume(self)
    }

    /// Whether the socket holds unread bytes, peeked without consuming them.
    private func socketHasInput() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0
    }

    /// Puts this connection's current deadline on the loop's timer heap, unless an entry at
    /// or before it is already there.
    func scheduleDeadline() {
        guard !isClosed, let deadline = machine.deadline(loop.durations) else { return }
        if let scheduledDeadline, scheduledDeadline <= deadline { return }
        scheduledDeadline = deadline
        loop.pushTimer(deadline, fd: fd, generation: generation)
    }

    /// Drops the buffers and hands back the responder to cancel, as the descriptor closes.
    func releaseResources() -> HTTPResponder? {
        pending = []
        output = .none
        lastResponder = nil
        return machine.closed()
    }
}
