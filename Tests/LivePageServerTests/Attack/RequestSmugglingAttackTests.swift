import LivePageTestSupport
import Testing

/// Request smuggling: requests framed so that a proxy in front and the server behind could
/// disagree on where one ends. Each is refused with one `400` (`501` for a transfer coding
/// the server does not implement, `413` for a length it would not read), with
/// `Connection: close`; the connection is closed, so the request smuggled behind it (a
/// publish, a metrics read) is never answered; and the server keeps serving.
@Suite(.timeLimit(.minutes(3)))
struct RequestSmugglingAttackTests {
    /// A request that must never run: it would be answered `401` or `200` if it did.
    static let smuggled =
        "POST /livepage/publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        + "GET /livepage/metrics HTTP/1.1\r\nHost: x\r\n\r\n"

    /// A registration head framed by `framing` (header lines, each ending CRLF), then `body`.
    static func post(_ framing: String, body: String, version: String = "HTTP/1.1") -> String {
        "POST /livepage/clients \(version)\r\nHost: x\r\nContent-Type: application/json\r\n\(framing)\r\n\(body)"
    }

    static let chunked = "2\r\n{}\r\n0\r\n\r\n"

    static let refused: [(name: String, request: String, status: Int)] = [
        ("Content-Length and Transfer-Encoding", post("Content-Length: 15\r\nTransfer-Encoding: chunked\r\n", body: chunked), 400),
        ("Transfer-Encoding and Content-Length", post("Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", body: chunked), 400),
        ("Content-Length 0 and Transfer-Encoding", post("Content-Length: 0\r\nTransfer-Encoding: chunked\r\n", body: chunked), 400),
        ("two different Content-Lengths", post("Content-Length: 2\r\nContent-Length: 40\r\n", body: "{}"), 400),
        ("a Content-Length list that differs", post("Content-Length: 2, 40\r\n", body: "{}"), 400),
        ("a signed Content-Length", post("Content-Length: +2\r\n", body: "{}"), 400),
        ("a negative Content-Length", post("Content-Length: -1\r\n", body: "{}"), 400),
        ("a hexadecimal Content-Length", post("Content-Length: 0x2\r\n", body: "{}"), 400),
        ("a Content-Length with a space inside", post("Content-Length: 1 2\r\n", body: "{}"), 400),
        ("an empty Content-Length", post("Content-Length: \r\n", body: "{}"), 400),
        ("chunked twice", post("Transfer-Encoding: chunked, chunked\r\n", body: chunked), 400),
        ("chunked in two fields", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", body: chunked), 400),
        ("chunked, then another coding", post("Transfer-Encoding: chunked, gzip\r\n", body: chunked), 501),
        ("another coding, then chunked", post("Transfer-Encoding: gzip, chunked\r\n", body: chunked), 501),
        ("identity", post("Transfer-Encoding: identity\r\nContent-Length: 2\r\n", body: "{}"), 400),
        ("a lookalike coding", post("Transfer-Encoding: xchunked\r\n", body: chunked), 501),
        ("a coding with a quote", post("Transfer-Encoding: \"chunked\"\r\n", body: chunked), 501),
        ("a space before the colon", post("Transfer-Encoding : chunked\r\nContent-Length: 2\r\n", body: "{}"), 400),
        ("a tab before the colon", post("Content-Length\t: 2\r\n", body: "{}"), 400),
        ("a folded Transfer-Encoding", post("Transfer-Encoding:\r\n chunked\r\nContent-Length: 2\r\n", body: "{}"), 400),
        ("a folded Content-Length", post("Content-Length: 2\r\n 0\r\n", body: "{}"), 400),
        ("Transfer-Encoding in HTTP/1.0", post("Transfer-Encoding: chunked\r\n", body: chunked, version: "HTTP/1.0"), 400),
        ("a header line starting with a space", "GET /livepage/health HTTP/1.1\r\n Host: x\r\nHost: x\r\n\r\n", 400),
        ("two Host fields", "GET /livepage/health HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400),
        ("no Host in HTTP/1.1", "GET /livepage/health HTTP/1.1\r\n\r\n", 400),
        ("lines ending in a bare LF", "GET /livepage/health HTTP/1.1\nHost: x\n\n", 400),
        ("a bare CR in a field", "GET /livepage/health HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400),
        ("a chunk size that overflows", post("Transfer-Encoding: chunked\r\n", body: "fffffffffffffffffff\r\n{}\r\n0\r\n\r\n"), 400),
        ("a negative chunk size", post("Transfer-Encoding: chunked\r\n", body: "-2\r\n{}\r\n0\r\n\r\n"), 400),
        ("a chunk size with a sign", post("Transfer-Encoding: chunked\r\n", body: "+2\r\n{}\r\n0\r\n\r\n"), 400),
        ("a chunk longer than its size", post("Transfer-Encoding: chunked\r\n", body: "2\r\n{}xx\r\n0\r\n\r\n"), 400),
        ("a chunk size line ending in a bare LF", post("Transfer-Encoding: chunked\r\n", body: "2\n{}\r\n0\r\n\r\n"), 400),
        ("a malformed chunk extension", post("Transfer-Encoding: chunked\r\n", body: "2;\"x\r\n{}\r\n0\r\n\r\n"), 400),
        ("a Content-Length beyond any integer", post("Content-Length: 99999999999999999999999999\r\n", body: "{}"), 413),
        ("a Content-Length over the limit", post("Content-Length: 16385\r\n", body: "{}"), 413),
        ("HTTP/2 in the request line", "GET /livepage/health HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        ("HTTP/0.9", "GET /livepage/health\r\n\r\n", 400),
        ("two spaces after the method", "GET  /livepage/health HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("an unknown method", "SMUGGLE /livepage/health HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    ]

    @Test func anAmbiguouslyFramedRequestIsRefusedAndTheConnectionClosed() async throws {
        try await withServer(publishing) { server in
            for test in Self.refused {
                let (connection, response) = try server.sendRaw(Array((test.request + Self.smuggled).utf8))
                #expect(response.status == test.status, "\(test.name): \(response)")
                expectError(response, test.status)
                #expect(response.closesConnection, "\(test.name): \(response)")
                try expectClosedWithNothingMore(connection, test.name)
                try server.expectHealthy(after: test.name)
            }
            #expect(try server.metric("livepage_clients") == 0, "a refused request registered a client")
            #expect(try server.metric(#"livepage_http_responses_total{status="401"}"#) == nil, "a smuggled publish was answered")
        }
    }

    /// RFC 9112 §6.3: a Content-Length repeated with the same value is one length. The
    /// request it frames and the one after it are read exactly where a proxy reads them.
    @Test func aContentLengthRepeatedWithTheSameValueIsOneLength() async throws {
        try await withServer { server in
            let connection = try server.connect()
            let body = #"{"location": "/a"}"#
            try connection.send(
                Self.post("Content-Length: \(body.utf8.count)\r\nContent-Length: \(body.utf8.count)\r\n", body: body)
                    + Self.post("Content-Length: \(body.utf8.count), \(body.utf8.count)\r\n", body: body)
                    + "GET /livepage/health HTTP/1.1\r\nHost: x\r\n\r\n")
            let first = try connection.readResponse(method: "POST")
            let second = try connection.readResponse(method: "POST")
            let health = try connection.readResponse(method: "GET")
            #expect(first.status == 201 && second.status == 201, "\(first)\n\(second)")
            #expect(health.status == 200 && health.text == "ok", "\(health)")
            #expect(try server.metric("livepage_clients") == 2)
        }
    }

    /// A chunked body that is well framed is read as one request, its trailer included;
    /// a request written after it is the next request, not part of the body.
    @Test func aWellFramedChunkedBodyEndsWhereItsLastChunkSays() async throws {
        try await withServer { server in
            let connection = try server.connect()
            let body = #"{"location": "/a"}"#
            let chunked =
                "a;name=\"v\"\r\n" + String(body.prefix(10)) + "\r\n" + String(body.utf8.count - 10, radix: 16) + "\r\n"
                + String(body.dropFirst(10)) + "\r\n0\r\nX-Trailer: t\r\n\r\n"
            try connection.send(Self.post("Transfer-Encoding: chunked\r\n", body: chunked) + "GET /livepage/health HTTP/1.1\r\nHost: x\r\n\r\n")
            let registered = try connection.readResponse(method: "POST")
            #expect(registered.status == 201, "\(registered)")
            let health = try connection.readResponse(method: "GET")
            #expect(health.status == 200 && health.text == "ok", "\(health)")
        }
    }
}
