import CLinuxSystem
import Glibc
import LivePageTestSupport
import Synchronization
import Testing

/// The test client itself, against a canned peer: framing the server under test never
/// uses (chunks, a body ending with the connection), interim responses, close and
/// timeouts. Other test targets rely on it, so it must read exactly what arrived.
@Suite struct TestHTTPClientTests {
    /// A loopback listener that answers its first connection's first request with
    /// `reply`, then closes the connection if `closing`.
    final class CannedPeer: Sendable {
        let port: Int
        private let listener: Int32
        private let received = Mutex<[UInt8]>([])

        init(reply: String, closing: Bool) throws {
            let socket = try LoopbackSocket.bind(listening: 4)
            listener = socket.fd
            port = socket.port
            let listener = socket.fd
            BlockingThread.start { [self] in
                let fd = accept4(listener, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
                guard fd >= 0 else { return }
                var chunk = [UInt8](repeating: 0, count: 4096)
                var request: [UInt8] = []
                while !request.indices.contains(where: { request[$0...].starts(with: [13, 10, 13, 10]) }) {
                    let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    guard count > 0 else { break }
                    request += chunk[..<count]
                }
                self.received.withLock { $0 = request }
                let bytes = Array(reply.utf8)
                _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if closing {
                    close(fd)
                } else {
                    // Held open until the client goes.
                    while chunk.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) > 0 {}
                    close(fd)
                }
            }
        }

        deinit { close(listener) }

        /// The request the peer read.
        var request: String { String(decoding: received.withLock { $0 }, as: UTF8.self) }
    }

    @Test(.timeLimit(.minutes(1)))
    func aChunkedBodyIsJoinedAndTheRequestCarriesHostAndLength() throws {
        let peer = try CannedPeer(
            reply: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nX-A: 2\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
            closing: false
        )
        let client = try TestHTTPClient(port: peer.port)
        let response = try client.post("/path?q=1", headers: [("Content-Type", "text/plain")], body: "abc")
        #expect(response.status == 200)
        #expect(response.text == "hello world")
        #expect(response.headers(named: "x-a") == ["1", "2"])
        #expect(try !client.hasDataAvailable())
        #expect(peer.request.hasPrefix("POST /path?q=1 HTTP/1.1\r\nHost: 127.0.0.1:\(peer.port)\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"))
    }

    @Test(.timeLimit(.minutes(1)))
    func aBodyWithoutLengthEndsWithTheConnection() throws {
        let peer = try CannedPeer(reply: "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", closing: true)
        let client = try TestHTTPClient(port: peer.port)
        let response = try client.get("/")
        #expect(response.version == "HTTP/1.0")
        #expect(response.text == "until the end")
        #expect(client.isClosedByPeer)
    }

    @Test(.timeLimit(.minutes(1)))
    func anInterimResponseComesFirstAndHEADHasNoBody() throws {
        let peer = try CannedPeer(
            reply: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\nHTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
            closing: true
        )
        let client = try TestHTTPClient(port: peer.port)
        try client.send(TestHTTPRequest("HEAD", "/"))
        let interim = try client.readResponse()
        #expect(interim.status == 100)
        let head = try client.readResponse()
        #expect(head.status == 200 && head.body.isEmpty && head.header("content-length") == "42")
        let noContent = try client.readResponse()
        #expect(noContent.status == 204 && noContent.closesConnection)
        #expect(try client.waitForClose())
    }

    @Test(.timeLimit(.minutes(1)))
    func aMissingResponseTimesOutAndATruncatedOneIsClosed() throws {
        let silent = try CannedPeer(reply: "", closing: false)
        let waiting = try TestHTTPClient(port: silent.port)
        try waiting.send(TestHTTPRequest("GET", "/"))
        #expect(throws: TestHTTPClientError.self) { try waiting.readResponse(timeout: .milliseconds(200)) }
        #expect(try !waiting.waitForClose(timeout: .milliseconds(100)))

        let truncated = try CannedPeer(reply: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", closing: true)
        let client = try TestHTTPClient(port: truncated.port)
        do {
            _ = try client.get("/")
            Issue.record("a truncated body was accepted")
        } catch let error as TestHTTPClientError {
            #expect(error.kind == .closed, "\(error)")
        }
    }
}
