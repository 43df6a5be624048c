import Glibc

/// A blocking HTTP/1.1 client on one TCP connection, for tests that must say exactly which
/// bytes go out and when, and see exactly what comes back.
///
/// Every operation has a deadline (``timeout`` unless given), so a server that does not
/// answer fails a test instead of hanging it. Requests and raw bytes can be sent without
/// waiting for the answer, so a test can park a long-poll, act on another connection, and
/// only then read the parked answer. The connection is kept alive between responses until
/// the peer closes it or ``close()`` is called.
///
/// ```swift
/// let client = try TestHTTPClient(port: port)
/// let health = try client.request(TestHTTPRequest("GET", "/livepage/health"))
/// try client.send(Array("GET / HTTP/1.1\r\nHost: x\r\nBad\r\n\r\n".utf8))
/// let refused = try client.readResponse()
/// ```
///
/// One client belongs to one task at a time; it is not `Sendable`.
public final class TestHTTPClient {
    /// The host connected to: an IPv4 or IPv6 literal.
    public let host: String
    /// The port connected to.
    public let port: Int
    /// The deadline of each operation that does not name its own (default 30 s).
    public var timeout: Duration
    /// The `Host` header value sent with requests that do not set one.
    public var hostHeader: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    private var fd: Int32
    private var buffer: [UInt8] = []
    private var peerClosed = false
    /// The methods of requests sent with ``send(_:)-(TestHTTPRequest)`` whose responses
    /// are not read yet, so that a `HEAD` response is read without a body.
    private var pendingMethods: [String] = []

    /// Connects to `host` (`127.0.0.1`, `::1` or `localhost`) and `port`.
    /// - Parameters:
    ///   - host: An IP literal or `localhost` (default `127.0.0.1`).
    ///   - port: The port.
    ///   - timeout: The deadline of each operation (default 30 s), connecting included.
    /// - Throws: ``TestHTTPClientError`` when the address is not a literal or the
    ///   connection fails.
    public init(host: String = "127.0.0.1", port: Int, timeout: Duration = .seconds(30)) throws {
        self.host = host == "localhost" ? "127.0.0.1" : host
        self.port = port
        self.timeout = timeout
        self.fd = -1
        fd = try connect(deadline: .now + timeout)
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    // MARK: Sending

    /// Sends `bytes` in full, as they are.
    /// - Throws: ``TestHTTPClientError`` on a timeout or when the peer has gone.
    public func send(_ bytes: [UInt8], timeout: Duration? = nil) throws {
        let deadline = ContinuousClock.now + (timeout ?? self.timeout)
        try checkOpen("send")
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
            } else if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                try wait(for: Int16(POLLOUT), until: deadline, doing: "sending \(bytes.count) bytes")
            } else if sent < 0, errno == EINTR {
                continue
            } else {
                let code = errno
                throw TestHTTPClientError(.system(call: "send", errno: code), "sent \(offset) of \(bytes.count) bytes")
            }
        }
    }

    /// Sends `text` as UTF-8, as it is.
    public func send(_ text: String, timeout: Duration? = nil) throws {
        try send(Array(text.utf8), timeout: timeout)
    }

    /// Sends `request` without waiting for its response; read it with ``readResponse(timeout:method:)``.
    public func send(_ request: TestHTTPRequest, timeout: Duration? = nil) throws {
        pendingMethods.append(request.method)
        try send(request.serialized(host: hostHeader), timeout: timeout)
    }

    /// Sends `request` and reads its response.
    ///
    /// A server may answer before it has read the whole request (a `413` for a body over
    /// its limit) and close: if sending fails because the peer has gone, the response it
    /// sent is read all the same.
    public func request(_ request: TestHTTPRequest, timeout: Duration? = nil) throws -> TestHTTPResponse {
        do {
            try send(request, timeout: timeout)
        } catch let error as TestHTTPClientError
            where error.kind == .system(call: "send", errno: EPIPE) || error.kind == .system(call: "send", errno: ECONNRESET)
        {
            guard let response = try? readResponse(timeout: timeout) else { throw error }
            return response
        }
        return try readResponse(timeout: timeout)
    }

    /// `GET target` with `headers`, and its response.
    public func get(_ target: String, headers: [(name: String, value: String)] = []) throws -> TestHTTPResponse {
        try request(TestHTTPRequest("GET", target, headers: headers))
    }

    /// `POST target` with `headers` and a text `body`, and its response.
    public func post(_ target: String, headers: [(name: String, value: String)] = [], body: String) throws -> TestHTTPResponse {
        try request(TestHTTPRequest("POST", target, headers: headers, body: body))
    }

    // MARK: Receiving

    /// Reads one response: the status line and header fields, then a body framed by
    /// `Transfer-Encoding: chunked`, by `Content-Length`, or by the end of the connection.
    ///
    /// A `1xx` response is returned like any other; read again for the final one.
    /// - Parameters:
    ///   - timeout: The deadline for the whole response (default ``timeout``).
    ///   - method: The method of the request answered, when it was sent as raw bytes; a
    ///     `HEAD` response has no body. By default, that of the oldest request sent with
    ///     ``send(_:timeout:)-(TestHTTPRequest,_)`` and not yet answered, or `GET`.
    /// - Throws: ``TestHTTPClientError``: `.timedOut`, `.closed` (with what had arrived),
    ///   `.malformed`.
    public func readResponse(timeout: Duration? = nil, method: String? = nil) throws -> TestHTTPResponse {
        let deadline = ContinuousClock.now + (timeout ?? self.timeout)
        let headEnd = try readHead(until: deadline)
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), parts[1].count == 3, let status = Int(parts[1]) else {
            throw TestHTTPClientError(.malformed, "status line \(String(statusLine).debugDescription)")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else {
                throw TestHTTPClientError(.malformed, "header line \(String(line).debugDescription)")
            }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...].trimmingSpaces)))
        }
        var response = TestHTTPResponse(
            version: String(parts[0]), status: status, reason: parts.count > 2 ? String(parts[2]) : "",
            headers: headers, body: []
        )
        if status < 200 { return response }
        let answered = method ?? (pendingMethods.isEmpty ? "GET" : pendingMethods.removeFirst())
        if answered == "HEAD" || status == 204 || status == 304 { return response }
        if let encoding = response.header("Transfer-Encoding"), encoding.lowercased().hasSuffix("chunked") {
            response.body = try readChunkedBody(until: deadline)
        } else if let lengthText = response.header("Content-Length") {
            guard let length = Int(lengthText), length >= 0 else {
                throw TestHTTPClientError(.malformed, "Content-Length \(lengthText.debugDescription)")
            }
            try fill(toAtLeast: length, until: deadline, doing: "reading a body of \(length) bytes")
            response.body = Array(buffer[..<length])
            buffer.removeFirst(length)
        } else {
            while try receive(until: deadline, doing: "reading a body that ends with the connection") {}
            response.body = buffer
            buffer = []
        }
        return response
    }

    /// Whether bytes have arrived, or the peer has closed, within `timeout` (default:
    /// look once, without waiting). Nothing is consumed.
    public func hasDataAvailable(within timeout: Duration = .zero) throws -> Bool {
        if !buffer.isEmpty || peerClosed { return true }
        guard fd >= 0 else { return false }
        do {
            try wait(for: Int16(POLLIN), until: .now + timeout, doing: "looking for data")
            return true
        } catch let error as TestHTTPClientError where error.kind == .timedOut {
            return false
        }
    }

    /// Waits until the peer closes (or resets) the connection, keeping whatever arrives
    /// first for ``readResponse(timeout:method:)``.
    /// - Returns: `true` if it closed within `timeout` (default ``timeout``), `false` if it
    ///   was still open then.
    public func waitForClose(timeout: Duration? = nil) throws -> Bool {
        let deadline = ContinuousClock.now + (timeout ?? self.timeout)
        do {
            while try receive(until: deadline, doing: "waiting for the peer to close") {}
            return true
        } catch let error as TestHTTPClientError where error.kind == .timedOut {
            return false
        }
    }

    /// Whether the peer is known to have closed the connection.
    public var isClosedByPeer: Bool { peerClosed }

    /// Closes the connection (idempotent).
    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Shuts down the sending side only (`shutdown(SHUT_WR)`): the peer sees the end of
    /// the stream while this side can still read.
    public func shutDownSending() {
        if fd >= 0 { _ = shutdown(fd, Int32(SHUT_WR)) }
    }

    // MARK: Internals

    private func connect(deadline: ContinuousClock.Instant) throws -> Int32 {
        var storage = sockaddr_storage()
        let length: Int
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeBytes(of: v4) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
            length = MemoryLayout<sockaddr_in>.size
        } else if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeBytes(of: v6) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
            length = MemoryLayout<sockaddr_in6>.size
        } else {
            throw TestHTTPClientError(.malformed, "the host \(host.debugDescription) is not an IP literal")
        }
        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = socket(Int32(storage.ss_family), socketType, 0)
        guard fd >= 0 else { throw TestHTTPClientError(.system(call: "socket", errno: errno), "connecting to \(hostHeader)") }
        self.fd = fd
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let result = withUnsafeBytes(of: storage) { raw in
            Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(length))
        }
        if result != 0 {
            guard errno == EINPROGRESS else {
                throw TestHTTPClientError(.system(call: "connect", errno: errno), "connecting to \(hostHeader)")
            }
            try wait(for: Int16(POLLOUT), until: deadline, doing: "connecting to \(hostHeader)")
            var code: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &size)
            guard code == 0 else {
                throw TestHTTPClientError(.system(call: "connect", errno: code), "connecting to \(hostHeader)")
            }
        }
        return fd
    }

    private func checkOpen(_ operation: String) throws {
        guard fd >= 0 else { throw TestHTTPClientError(.closed, "\(operation) after close()") }
    }

    /// Waits until `fd` is ready for `events` (or has an error or hang-up) or `deadline` passes.
    private func wait(for events: Int16, until deadline: ContinuousClock.Instant, doing operation: String) throws {
        try checkOpen(operation)
        while true {
            let remaining = deadline - .now
            guard remaining > .zero else {
                throw TestHTTPClientError(.timedOut, "\(operation); received so far: \(receivedSoFar)")
            }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0, errno != EINTR {
                throw TestHTTPClientError(.system(call: "poll", errno: errno), operation)
            }
        }
    }

    /// Receives what has arrived into the buffer, waiting for it until `deadline`.
    /// - Returns: `false` at the end of the stream (a reset counts as one).
    private func receive(until deadline: ContinuousClock.Instant, doing operation: String) throws -> Bool {
        if peerClosed { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
                return true
            }
            if count == 0 || errno == ECONNRESET {
                peerClosed = true
                return false
            }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                try wait(for: Int16(POLLIN), until: deadline, doing: operation)
            } else if errno != EINTR {
                throw TestHTTPClientError(.system(call: "recv", errno: errno), operation)
            }
        }
    }

    private func fill(toAtLeast count: Int, until deadline: ContinuousClock.Instant, doing operation: String) throws {
        while buffer.count < count {
            guard try receive(until: deadline, doing: operation) else {
                throw TestHTTPClientError(.closed, "\(operation); received so far: \(receivedSoFar)")
            }
        }
    }

    /// The index of the blank line that ends the head in the buffer, reading until it arrives.
    private func readHead(until deadline: ContinuousClock.Instant) throws -> Int {
        let separator: [UInt8] = [13, 10, 13, 10]
        var searched = 0
        while true {
            if buffer.count >= 4 {
                for index in max(0, searched - 3)...(buffer.count - 4) where buffer[index..<index + 4].elementsEqual(separator) {
                    return index
                }
                searched = buffer.count
            }
            guard buffer.count < 1 << 20 else { throw TestHTTPClientError(.malformed, "a head over 1 MiB") }
            guard try receive(until: deadline, doing: "reading a response head") else {
                throw TestHTTPClientError(.closed, "before a complete response head; received: \(receivedSoFar)")
            }
        }
    }

    /// One line of a chunked body, without its CRLF.
    private func readLine(until deadline: ContinuousClock.Instant) throws -> String {
        while true {
            if let end = buffer.indices.dropLast().first(where: { buffer[$0] == 13 && buffer[$0 + 1] == 10 }) {
                let line = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 2)
                return line
            }
            guard try receive(until: deadline, doing: "reading a chunked body") else {
                throw TestHTTPClientError(.closed, "inside a chunked body; received: \(receivedSoFar)")
            }
        }
    }

    private func readChunkedBody(until deadline: ContinuousClock.Instant) throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try readLine(until: deadline)
            let sizeText = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingSpaces
            guard let size = Int(sizeText, radix: 16), size >= 0 else {
                throw TestHTTPClientError(.malformed, "chunk size line \(line.debugDescription)")
            }
            if size == 0 {
                while try !readLine(until: deadline).isEmpty {}
                return body
            }
            try fill(toAtLeast: size + 2, until: deadline, doing: "reading a chunk of \(size) bytes")
            body += buffer[..<size]
            guard buffer[size] == 13, buffer[size + 1] == 10 else {
                throw TestHTTPClientError(.malformed, "a chunk not followed by CRLF")
            }
            buffer.removeFirst(size + 2)
        }
    }

    private var receivedSoFar: String {
        buffer.isEmpty ? "nothing" : String(decoding: buffer.prefix(500), as: UTF8.self).debugDescription
    }
}
