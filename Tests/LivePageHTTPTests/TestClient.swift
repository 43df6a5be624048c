@testable import LivePageHTTP

#if canImport(Glibc)
    import Glibc
#endif

/// A failure of the test client, with what it was doing.
struct TestClientError: Error, CustomStringConvertible {
    var description: String
}

/// A parsed response as the client received it.
struct TestResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A blocking HTTP client on a raw socket, to say exactly which bytes go out and when.
/// Every read gives up after `timeout` seconds, so a broken server fails a test, never hangs it.
///
/// `@unchecked Sendable`: a test uses a client from one thread at a time, handing it to a
/// helper thread with `BlockingThread.run` and awaiting that thread before touching it again.
final class TestClient: @unchecked Sendable {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, host: String = "127.0.0.1", timeout: Int = 100) throws {
        guard let address = SocketAddress(host: host, port: port) else {
            throw TestClientError(description: "bad host")
        }
        // Connect on a local descriptor first: were `self.fd` set before a throw, deinit would
        // run and close it a second time, possibly closing someone else's reused descriptor.
        let socketFD = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketFD >= 0 else { throw TestClientError(description: "socket: errno \(errno)") }
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socketFD, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, &one, 4)
        let result = address.withSockaddr { connect(socketFD, $0, $1) }
        guard result == 0 else {
            let code = errno
            Glibc.close(socketFD)
            throw TestClientError(description: "connect to \(host):\(port): errno \(code)")
        }
        fd = socketFD
    }

    deinit { Glibc.close(fd) }

    /// Sends `text` in full.
    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends `bytes` in full.
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw TestClientError(description: "send: errno \(errno)") }
            offset += sent
        }
    }

    /// Reads more bytes into the buffer; returns false at end of stream or on a reset.
    @discardableResult
    func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
        if count == 0 || errno == ECONNRESET { return false }
        throw TestClientError(description: "recv: errno \(errno) (timed out?)")
    }

    /// Reads one response. `expectBody: false` for answers to HEAD.
    func readResponse(expectBody: Bool = true) throws -> TestResponse {
        var headEnd: Int?
        while true {
            headEnd = buffer.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound
            if headEnd != nil { break }
            guard try fill() else {
                throw TestClientError(description: "closed before a response head: \(text(buffer))")
            }
        }
        let head = text(Array(buffer[0..<headEnd!]))
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: true)
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0] == "HTTP/1.1", let status = Int(statusParts[1]) else {
            throw TestClientError(description: "bad status line: \(lines[0])")
        }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw TestClientError(description: "bad header \(line)") }
            headers.add(
                name: String(line[..<colon]),
                value: String(line[line.index(after: colon)...].drop(while: { $0 == " " }))
            )
        }
        buffer.removeFirst(headEnd!)
        var body: [UInt8] = []
        if expectBody && status >= 200 && status != 204 && status != 304 {
            guard let length = headers["Content-Length"].flatMap({ Int($0) }) else {
                throw TestClientError(description: "no Content-Length in \(head)")
            }
            while buffer.count < length {
                guard try fill() else { throw TestClientError(description: "closed inside a body") }
            }
            body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        }
        return TestResponse(status: status, headers: headers, body: body)
    }

    /// Reads until the server closes; returns every byte received (buffered ones included).
    func readUntilClosed() throws -> [UInt8] {
        while try fill() {}
        defer { buffer = [] }
        return buffer
    }

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
