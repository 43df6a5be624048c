import Testing

@testable import LivePageHTTP

@Suite("Request decoder: RFC 9112 rules, fed bytes", .timeLimit(.minutes(2)))
struct HTTPRequestDecoderTests {
    @Test("A simple GET is one request with its head parsed", .timeLimit(.minutes(2)))
    func simpleGet() throws {
        let harness = DecoderHarness.decode("GET /a/b?x=1&y HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n")
        #expect(harness.error == nil)
        let request = try #require(harness.requests.first)
        #expect(request.head.head.method == .get)
        #expect(request.head.head.target == "/a/b?x=1&y")
        #expect(request.head.head.path == "/a/b")
        #expect(request.head.head.query == "x=1&y")
        #expect(request.head.head.version == .http1_1)
        #expect(request.head.head.headers["host"] == "example.com")
        #expect(request.head.keepAlive)
        #expect(request.head.framing == .none)
    }

    /// Requests refused, each with the status it must get.
    static let refusals: [(String, String, Int)] = [
        ("two spaces after the method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("no version (HTTP/0.9)", "GET /\r\nHost: a\r\n\r\n", 400),
        ("trailing space after the version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400),
        ("lowercase protocol name", "GET / http/1.1\r\nHost: a\r\n\r\n", 400),
        ("two-digit minor version", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400),
        ("bare LF line ends", "GET / HTTP/1.1\nHost: a\n\n", 400),
        ("bare LF in a header block", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400),
        ("bare CR inside a value", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400),
        ("NUL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n", 400),
        ("control character in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{1}b\r\n\r\n", 400),
        ("DEL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{7F}b\r\n\r\n", 400),
        ("whitespace before a colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
        ("tab before a colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400),
        ("obs-fold continuation line", "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", 400),
        ("empty field name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400),
        ("header line without colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400),
        ("non-token character in a name", "GET / HTTP/1.1\r\nHost: a\r\nX(y): b\r\n\r\n", 400),
        ("control character in the target", "GET /a\u{1}b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("non-ASCII in the target", "GET /caf\u{E9} HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("relative target", "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("asterisk target with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("missing Host in HTTP/1.1", "GET / HTTP/1.1\r\nX: a\r\n\r\n", 400),
        ("two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("two Host headers in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400),
        ("a Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
        (
            "both Content-Length and Transfer-Encoding",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400
        ),
        (
            "differing Content-Length headers",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400
        ),
        ("differing Content-Length list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\nab", 400),
        ("non-numeric Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", 400),
        ("negative Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
        ("signed Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\na", 400),
        ("empty Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400),
        ("Content-Length with an inner space", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400),
        ("chunked applied twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400),
        ("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("empty Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n", 400),
        ("chunk size not hexadecimal", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("chunk size missing", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 400),
        ("chunk size with a space", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1 0\r\n", 400),
        (
            "chunk size overflowing",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", 400
        ),
        (
            "empty chunk extension",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;\r\na\r\n0\r\n\r\n", 400
        ),
        (
            "unterminated quoted extension",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\"b\r\na\r\n0\r\n\r\n", 400
        ),
        (
            "chunk data without CRLF",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n", 400
        ),
        (
            "bare LF after a chunk size",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\na\r\n0\r\n\r\n", 400
        ),
        (
            "malformed trailer",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nnot a trailer\r\n\r\n", 400
        ),
        (
            "folded trailer", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n",
            400
        ),
        ("unknown method", "BREW / HTTP/1.1\r\nHost: a\r\n\r\n", 501),
        ("lowercase method", "get / HTTP/1.1\r\nHost: a\r\n\r\n", 501),
        ("CONNECT", "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 501),
        ("gzip transfer coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        ("HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505),
        ("HTTP/0.9 spelled out", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505),
        ("Content-Length over the limit", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n", 413),
        ("huge Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413),
        (
            "chunked total over the limit",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + String(repeating: "a", count: 64)
                + "\r\n40\r\n", 413
        ),
    ]

    @Test("Malformed and unsupported requests get their status", .timeLimit(.minutes(2)), arguments: refusals)
    func refusal(_ name: String, _ text: String, _ status: Int) {
        let harness = DecoderHarness.decode(text, bodyLimit: 100)
        #expect(harness.error?.status.code == status, "\(name)")
        #expect(harness.requests.isEmpty, "\(name)")
    }

    /// The scan stops at a CR that ends the input and checks it once the next byte comes.
    @Test("A bare CR is refused when a read ends just after it, and a CRLF split there is not", .timeLimit(.minutes(1)))
    func crAtTheEndOfARead() {
        let bare = Array("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n".utf8)
        let crIndex = bare.firstIndex(of: UInt8(ascii: "b"))! - 1
        var refused = DecoderHarness()
        refused.feed(bare, pieces: [crIndex + 1])
        #expect(refused.error?.status.code == 400)
        let good = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        var accepted = DecoderHarness()
        accepted.feed(good, pieces: [good.firstIndex(of: UInt8(ascii: "a"))! + 2])
        #expect(accepted.error == nil && accepted.requests.count == 1)
    }

    /// Requests accepted, though unusual.
    static let acceptances: [(String, String)] = [
        (
            "repeated identical Content-Length",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab"
        ),
        ("Content-Length list of one value", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\nab"),
        ("empty lines before the request line", "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("tab and obs-text in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\u{E9}\r\n\r\n"),
        ("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("absolute-form target", "GET http://a/b?c HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n"),
        ("empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n"),
        (
            "chunk extensions",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1 ; a=b;c=\"d\\\"e\" ;f\r\nx\r\n0\r\n\r\n"
        ),
        (
            "trailer fields",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n1\r\nx\r\n0\r\nX-Sum: 1\r\n\r\n"
        ),
        ("Content-Length: 0", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
    ]

    @Test("Unusual but valid requests are accepted", .timeLimit(.minutes(2)), arguments: acceptances)
    func acceptance(_ name: String, _ text: String) {
        let harness = DecoderHarness.decode(text)
        #expect(harness.error == nil, "\(name)")
        #expect(harness.requests.count == 1, "\(name)")
        #expect(harness.pending.isEmpty, "\(name)")
    }

    @Test("Absolute-form targets give the path and query", .timeLimit(.minutes(2)))
    func absoluteForm() throws {
        let request = try #require(
            DecoderHarness.decode("GET http://a:80/b/c?d=e HTTP/1.1\r\nHost: a\r\n\r\n").requests.first)
        #expect(request.head.head.path == "/b/c")
        #expect(request.head.head.query == "d=e")
    }

    @Test("Keep-alive follows the version and Connection", .timeLimit(.minutes(2)))
    func keepAlive() throws {
        let cases: [(String, Bool)] = [
            ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
            ("GET / HTTP/1.0\r\nConnection: Keep-Alive, close\r\n\r\n", false),
        ]
        for (text, expected) in cases {
            let request = try #require(DecoderHarness.decode(text).requests.first)
            #expect(request.head.keepAlive == expected, "\(text.debugDescription)")
        }
    }

    @Test("Expect: 100-continue is reported for HTTP/1.1 only", .timeLimit(.minutes(2)))
    func expectContinue() throws {
        var harness = DecoderHarness()
        harness.feed(Array("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n".utf8))
        #expect(harness.requests.isEmpty)
        harness.feed(Array("ok".utf8))
        let request = try #require(harness.requests.first)
        #expect(request.head.expectsContinue)
        #expect(request.body == Array("ok".utf8))
    }

    @Test("A target over maxTargetSize is 414, whether or not the line is complete", .timeLimit(.minutes(2)))
    func targetTooLong() {
        let limits = HTTPLimits(maxHeaderSize: 2048, maxTargetSize: 1024)
        let long = "/" + String(repeating: "a", count: 1100)
        #expect(
            DecoderHarness.decode("GET \(long) HTTP/1.1\r\nHost: a\r\n\r\n", limits: limits).error?.status.code == 414)
        let endless = "GET /" + String(repeating: "a", count: 3000)
        #expect(DecoderHarness.decode(endless, limits: limits).error?.status.code == 414)
        let exact = "/" + String(repeating: "a", count: 1023)
        #expect(DecoderHarness.decode("GET \(exact) HTTP/1.1\r\nHost: a\r\n\r\n", limits: limits).error == nil)
    }

    @Test("Headers over maxHeaderSize or maxHeaderCount are 431", .timeLimit(.minutes(2)))
    func headersTooLarge() {
        let limits = HTTPLimits(maxHeaderSize: 1024, maxHeaderCount: 10)
        let big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "b", count: 1100) + "\r\n\r\n"
        #expect(DecoderHarness.decode(big, limits: limits).error?.status.code == 431)
        let unfinished = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "b", count: 1100)
        #expect(DecoderHarness.decode(unfinished, limits: limits).error?.status.code == 431)
        let many = "GET / HTTP/1.1\r\nHost: a\r\n" + (1...10).map { "X\($0): y\r\n" }.joined() + "\r\n"
        #expect(DecoderHarness.decode(many, limits: limits).error?.status.code == 431)
        let tenFields = "GET / HTTP/1.1\r\nHost: a\r\n" + (1...9).map { "X\($0): y\r\n" }.joined() + "\r\n"
        #expect(DecoderHarness.decode(tenFields, limits: limits).error == nil)
    }

    @Test("A head of exactly maxHeaderSize bytes is accepted, one more is 431", .timeLimit(.minutes(2)))
    func headSizeBoundary() {
        let base = "GET / HTTP/1.1\r\nHost: a\r\nX: \r\n\r\n"
        let limits = HTTPLimits(maxHeaderSize: 200)
        let fits = base.replacingOccurrences("X: ", with: "X: " + String(repeating: "v", count: 200 - base.utf8.count))
        #expect(fits.utf8.count == 200)
        #expect(DecoderHarness.decode(fits, limits: limits).error == nil)
        let over = base.replacingOccurrences("X: ", with: "X: " + String(repeating: "v", count: 201 - base.utf8.count))
        #expect(DecoderHarness.decode(over, limits: limits).error?.status.code == 431)
    }

    @Test("413 comes from Content-Length before any body byte is read", .timeLimit(.minutes(2)))
    func bodyRefusedFromLength() {
        var harness = DecoderHarness(bodyLimit: 10)
        harness.feed(Array("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n".utf8))
        #expect(harness.error?.status.code == 413)
    }

    @Test("A chunked body is de-chunked across pieces", .timeLimit(.minutes(2)))
    func chunkedBody() throws {
        let text =
            "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;x=y\r\n \r\nA\r\n0123456789\r\n0\r\n\r\n"
        let request = try #require(DecoderHarness.decode(text).requests.first)
        #expect(String(decoding: request.body, as: UTF8.self) == "hello 0123456789")
        #expect(request.head.framing == .chunked)
    }

    /// Messages, several pipelined, that every split must decode the same way.
    static let messages: [String] = [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloHEAD /h HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;q=\"a b\"\r\nabc\r\n0\r\nT: 1\r\n\r\nGET / HTTP/1.0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n",
    ]

    @Test("Splitting a message at every byte boundary changes nothing", .timeLimit(.minutes(2)), arguments: messages)
    func everySplit(_ text: String) {
        let bytes = Array(text.utf8)
        var whole = DecoderHarness()
        whole.feed(bytes)
        for split in 0...bytes.count {
            var harness = DecoderHarness()
            harness.feed(bytes, pieces: [split])
            #expect(harness.outcome == whole.outcome, "split at \(split)")
        }
        var byteByByte = DecoderHarness()
        byteByByte.feed(bytes, pieces: Array(repeating: 1, count: bytes.count))
        #expect(byteByByte.outcome == whole.outcome)
    }

    @Test("Bytes after a complete request stay unconsumed until asked for", .timeLimit(.minutes(2)))
    func pipelinedLeftover() {
        var harness = DecoderHarness()
        harness.feed(Array("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /next HT".utf8))
        #expect(harness.requests.count == 1)
        #expect(harness.pending == Array("GET /next HT".utf8))
        #expect(harness.error == nil)
    }
}

extension String {
    /// `self` with the first occurrence of `target` replaced (no Foundation here).
    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        return self[..<range.lowerBound] + replacement + self[range.upperBound...]
    }
}
