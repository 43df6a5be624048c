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
final class Connection {
    let fd: Int32
    let generation: UInt32
    unowned let loop: EventLoop
    let remoteAddress: String
    var decoder: HTTPRequestDecoder
    var timer: ConnectionTimer
    /// The deadline of this connection's live entry in the loop's timer heap.
    var scheduledDeadline: MonotonicTime?
    /// Received bytes not yet consumed by the decoder.
    var pending: [UInt8] = []
    /// Response bytes not yet accepted by the socket, from `outboundOffset` on.
    var outbound: [UInt8] = []
    var outboundOffset = 0
    /// The connection is in the loop's write queue.
    var isAwaitingWrite = false
    /// The head whose body is being read.
    var currentHead: DecodedHead?
    /// The responder of the request being handled.
    var inFlight: HTTPResponder?
    var requestIsHead = false
    var requestIsHTTP10 = false
    var requestKeepAlive = true
    /// A final response is in `outbound`.
    var responseUnsent = false
    var closeAfterResponse = false
    /// The socket may have unread input (edge-triggered: set by events, cleared by a short read).
    var readable = false
    /// The peer shut down its side (EPOLLRDHUP).
    var hangUpSeen = false
    var isLingering = false
    /// The decoder refused a request, whose unread rest may still be arriving.
    var refusedRequest = false
    var lingerBytes = 0
    var isClosed = false

    init(fd: Int32, generation: UInt32, loop: EventLoop, remoteAddress: String, acceptedAt time: MonotonicTime) {
        self.fd = fd
        self.generation = generation
        self.loop = loop
        self.remoteAddress = remoteAddress
        decoder = HTTPRequestDecoder(limits: loop.configuration.limits)
        timer = ConnectionTimer(acceptedAt: time)
    }

    /// Whether nothing is under way: no request being read, handled or answered. Shutdown
    /// closes such connections at once.
    var isIdle: Bool {
        inFlight == nil && !responseUnsent && !isLingering && currentHead == nil
    }

    /// Reacts to an epoll event.
    func handle(events: UInt32) {
        if events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 {
            loop.close(self)
            return
        }
        if events & EPOLLRDHUP.rawValue != 0 { hangUpSeen = true }
        if events & EPOLLOUT.rawValue != 0, outboundOffset < outbound.count {
            flush()
            if isClosed { return }
        }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 {
            readable = true
            readInput()
        }
    }

    /// Reads while the socket has input and the connection may take it.
    func readInput() {
        while readable && !isClosed {
            let busy = inFlight != nil || responseUnsent
            let room =
                isLingering || !busy ? loop.scratch.count : min(loop.scratch.count, loop.inputLimit - pending.count)
            guard room > 0 else {
                // Input is paused until the response is written; a hang-up still ends a parked request.
                if hangUpSeen && inFlight != nil { loop.close(self) }
                return
            }
            let buffer = UnsafeMutableRawBufferPointer(rebasing: loop.scratch[0..<room])
            let count: Int
            do {
                switch try System.read(fd, into: buffer) {
                case .wouldBlock:
                    readable = false
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
            // A short read emptied the socket; the next arrival raises a new edge.
            if count < room && !hangUpSeen { readable = false }
            if isLingering {
                lingerBytes += count
                if lingerBytes > 1024 * 1024 { loop.close(self) }
                continue
            }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            timer.bytesReceived(at: loop.now)
            if busy {
                pending.append(contentsOf: bytes)
            } else if pending.isEmpty {
                let consumed = decode(bytes)
                if !isClosed && !isLingering && consumed < count {
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[consumed...]))
                }
            } else {
                pending.append(contentsOf: bytes)
                decodePending()
            }
            scheduleDeadline()
        }
    }

    /// Decodes and dispatches what `pending` holds.
    func decodePending() {
        guard !pending.isEmpty else { return }
        let input = pending
        pending = []
        let consumed = input.withUnsafeBytes { decode($0) }
        if !isClosed && !isLingering && consumed < input.count {
            pending = consumed == 0 ? input : Array(input[consumed...])
        }
    }

    /// The peer closed its side: end a handled request, finish a response being written, or close.
    private func peerClosedInput() {
        readable = false
        hangUpSeen = true
        if responseUnsent && inFlight == nil {
            closeAfterResponse = true
        } else {
            loop.close(self)
        }
    }

    /// Continues after a response: parse buffered requests, then read more.
    func resume() {
        guard !isClosed, inFlight == nil, !responseUnsent else { return }
        if !isLingering {
            decodePending()
            scheduleDeadline()
        }
        guard !isClosed, inFlight == nil, !responseUnsent else { return }
        if readable {
            readInput()
        } else if hangUpSeen && !isLingering {
            loop.close(self)
        }
    }

    /// Closes after the final response: shut down the sending side, then drain unread input
    /// briefly, so the response is not destroyed by a reset for data the peer sent unread.
    ///
    /// With nothing left unread (no refused request, no pipelined bytes, an empty socket)
    /// there is nothing to drain, and the connection closes at once.
    func startClosing() {
        let mayHaveUnreadInput = refusedRequest || !pending.isEmpty || readable || socketHasInput()
        isLingering = true
        pending = []
        guard !hangUpSeen, mayHaveUnreadInput else {
            loop.close(self)
            return
        }
        System.shutdownWrite(fd)
        timer.lingerStarted(at: loop.now)
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
        guard !isClosed, let deadline = timer.deadline(loop.durations) else { return }
        if let scheduledDeadline, scheduledDeadline <= deadline { return }
        scheduledDeadline = deadline
        loop.pushTimer(deadline, fd: fd, generation: generation)
    }

    /// Drops the buffers and hands back the responder to cancel, as the descriptor closes.
    func releaseResources() -> HTTPResponder? {
        pending = []
        outbound = []
        currentHead = nil
        defer { inFlight = nil }
        return inFlight
    }
}
