import Glibc
import LivePageTestSupport

/// One non-blocking TCP connection to a server under test, driven by a `poll` loop that
/// holds hundreds or thousands of them on one thread.
///
/// It connects without waiting, queues requests and sends what the socket takes, collects
/// what arrives, and hands out each complete response (framed by `Content-Length`, as the
/// server frames every answer). It can also end the way a crashing peer or a flaky network
/// does: ``reset()`` closes with `SO_LINGER` 0, so the server sees a `RST`, not a `FIN`.
///
/// Not `Sendable`: one driver thread owns it.
final class RawConnection {
    /// What one call to ``receive(atMost:)`` found.
    enum Received: Equatable {
        /// This many bytes arrived.
        case bytes(Int)
        /// Nothing yet.
        case wouldBlock
        /// The peer closed or reset the connection.
        case closed
    }

    /// The socket, `-1` once closed.
    private(set) var fd: Int32
    /// Whether the non-blocking connect has completed.
    private(set) var isConnected = false
    private var outgoing: [UInt8] = []
    private var sent = 0
    private var incoming: [UInt8] = []
    /// Requests sent and not yet answered.
    private(set) var requestsInFlight = 0

    /// Starts connecting to `127.0.0.1:port`.
    /// - Parameter receiveBuffer: A small `SO_RCVBUF` in bytes, so that large answers
    ///   arrive in pieces; `nil` for the system's default.
    /// - Throws: ``TestHTTPClientError`` when no socket can be made (`EMFILE`) or the
    ///   connect fails at once.
    init(port: Int, receiveBuffer: Int32? = nil) throws {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let socketFD = socket(AF_INET, type, 0)
        guard socketFD >= 0 else { throw TestHTTPClientError(.system(call: "socket", errno: errno), "connecting to port \(port)") }
        var one: Int32 = 1
        _ = setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if var size = receiveBuffer {
            _ = setsockopt(socketFD, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result != 0, errno != EINPROGRESS {
            let code = errno
            Glibc.close(socketFD)
            throw TestHTTPClientError(.system(call: "connect", errno: code), "connecting to port \(port)")
        }
        fd = socketFD
        isConnected = result == 0
    }

    deinit { close() }

    /// The `poll` events to wait for: writable while connecting or while bytes wait to
    /// go out, readable always.
    var pollEvents: Int16 {
        Int16(POLLIN) | (!isConnected || sent < outgoing.count ? Int16(POLLOUT) : 0)
    }

    /// Whether everything queued has been handed to the socket.
    var hasSentEverything: Bool { isConnected && sent == outgoing.count }

    /// Completes a connect that `poll` reported writable.
    /// - Throws: ``TestHTTPClientError`` when it failed (refused, reset).
    func finishConnecting() throws {
        guard !isConnected else { return }
        var code: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &size)
        guard code == 0 else { throw TestHTTPClientError(.system(call: "connect", errno: code), "non-blocking connect") }
        isConnected = true
    }

    /// Queues `request` and sends what the socket takes now.
    func send(_ request: String) throws {
        outgoing.append(contentsOf: request.utf8)
        requestsInFlight += 1
        try flush()
    }

    /// Sends as much of what is queued as the socket takes.
    /// - Throws: ``TestHTTPClientError`` when the peer has gone (`EPIPE`, `ECONNRESET`).
    func flush() throws {
        guard isConnected else { return }
        while sent < outgoing.count {
            let count = outgoing[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 {
                sent += count
            } else if count < 0, errno == EINTR {
                continue
            } else if count < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                return
            } else {
                throw TestHTTPClientError(.system(call: "send", errno: errno), "sending a request")
            }
        }
        outgoing.removeAll(keepingCapacity: true)
        sent = 0
    }

    /// Receives what has arrived, at most `limit` bytes.
    func receive(atMost limit: Int = 1 << 16) -> Received {
        let size = max(1, min(limit, 1 << 16))
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { scratch in
            while true {
                let count = recv(fd, scratch.baseAddress, size, 0)
                if count > 0 {
                    incoming.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<count]))
                    return .bytes(count)
                }
                if count < 0, errno == EINTR { continue }
                if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
                return .closed
            }
        }
    }

    /// The oldest complete response received, removed from the buffer, or `nil` while
    /// it is incomplete.
    /// - Throws: ``TestHTTPClientError`` (`.malformed`) for bytes that are not a response
    ///   framed by `Content-Length`.
    func nextResponse() throws -> TestHTTPResponse? {
        guard let headEnd = Self.headEnd(in: incoming) else { return nil }
        let head = String(decoding: incoming[..<headEnd], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let parts = lines.removeFirst().split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else {
            throw TestHTTPClientError(.malformed, "status line of \(head.debugDescription)")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw TestHTTPClientError(.malformed, "header in \(head.debugDescription)") }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " })))
        }
        guard let lengthText = headers.first(where: { $0.name.lowercased() == "content-length" })?.value, let length = Int(lengthText)
        else { throw TestHTTPClientError(.malformed, "no Content-Length in \(head.debugDescription)") }
        guard incoming.count >= headEnd + 4 + length else { return nil }
        let body = Array(incoming[(headEnd + 4)..<(headEnd + 4 + length)])
        incoming.removeFirst(headEnd + 4 + length)
        requestsInFlight -= 1
        return TestHTTPResponse(
            version: String(parts[0]), status: status, reason: parts.count > 2 ? String(parts[2]) : "", headers: headers, body: body)
    }

    /// Whether any byte of a response has arrived and not been handed out.
    var hasPartialResponse: Bool { !incoming.isEmpty }

    /// Closes abortively: `SO_LINGER` 0 makes the kernel send `RST` and drop whatever is
    /// queued either way, as when a peer crashes or a middlebox gives up.
    func reset() {
        guard fd >= 0 else { return }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    /// Closes normally (idempotent).
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    private static func headEnd(in bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, buffer.count >= 4 else { return nil }
            var position = 0
            while position <= buffer.count - 4 {
                guard let found = memchr(base + position, 13, buffer.count - 3 - position) else { return nil }
                let index = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
                if base[index + 1] == 10, base[index + 2] == 13, base[index + 3] == 10 { return index }
                position = index + 1
            }
            return nil
        }
    }
}

/// `poll(2)` over many descriptors at once, with a deadline in milliseconds, retried on
/// `EINTR`; each descriptor's `revents` is set in place.
/// - Returns: The number of descriptors with events.
func pollDescriptors(_ descriptors: inout [pollfd], timeoutMilliseconds: Int32) throws -> Int {
    while true {
        let ready = descriptors.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeoutMilliseconds) }
        if ready >= 0 { return Int(ready) }
        guard errno == EINTR else {
            throw TestHTTPClientError(.system(call: "poll", errno: errno), "waiting on \(descriptors.count) sockets")
        }
    }
}

/// Reads one answer on each of `connections`, all at once on this thread, closing each
/// connection as soon as it is answered (so that its descriptor frees on the server too).
/// - Returns: Each connection's answer, or `nil` if it closed unanswered or `timeout`
///   passed first.
func readOneAnswerEach(_ connections: [RawConnection], timeout: Duration) throws -> [TestHTTPResponse?] {
    var answers = [TestHTTPResponse?](repeating: nil, count: connections.count)
    var open = Array(connections.indices)
    let deadline = ContinuousClock.now + timeout
    var descriptors: [pollfd] = []
    while !open.isEmpty, ContinuousClock.now < deadline {
        descriptors = open.map { pollfd(fd: connections[$0].fd, events: connections[$0].pollEvents, revents: 0) }
        guard try pollDescriptors(&descriptors, timeoutMilliseconds: 100) > 0 else { continue }
        var done: Set<Int> = []
        for (slot, descriptor) in descriptors.enumerated() where descriptor.revents != 0 {
            let index = open[slot]
            let connection = connections[index]
            var closed = false
            do {
                if !connection.isConnected { try connection.finishConnecting() }
                try connection.flush()
                var received = connection.receive()
                while case .bytes = received { received = connection.receive() }
                closed = received == .closed
                answers[index] = try connection.nextResponse()
            } catch {
                closed = true
            }
            if answers[index] != nil || closed {
                connection.close()
                done.insert(index)
            }
        }
        open.removeAll { done.contains($0) }
    }
    return answers
}

/// Drives `connections` until each has connected and sent everything queued on it.
/// - Throws: ``TestHTTPClientError`` when a connection fails or `timeout` passes first.
func sendEverything(_ connections: [RawConnection], timeout: Duration) throws {
    var pending = connections.filter { !$0.hasSentEverything }
    let deadline = ContinuousClock.now + timeout
    var descriptors: [pollfd] = []
    while !pending.isEmpty {
        guard ContinuousClock.now < deadline else {
            throw TestHTTPClientError(.timedOut, "\(pending.count) of \(connections.count) connections still sending")
        }
        descriptors = pending.map { pollfd(fd: $0.fd, events: $0.pollEvents, revents: 0) }
        guard try pollDescriptors(&descriptors, timeoutMilliseconds: 100) > 0 else { continue }
        let writableOrDone = Int16(POLLOUT) | Int16(POLLERR) | Int16(POLLHUP)
        for (slot, descriptor) in descriptors.enumerated() where descriptor.revents & writableOrDone != 0 {
            let connection = pending[slot]
            if !connection.isConnected { try connection.finishConnecting() }
            try connection.flush()
        }
        pending.removeAll { $0.hasSentEverything }
    }
}
