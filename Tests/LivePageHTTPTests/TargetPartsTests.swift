import Testing

@testable import LivePageHTTP

/// The path and query of a request-target, found as byte offsets and read back in place.
@Suite("Request-target parts", .timeLimit(.minutes(1)))
struct TargetPartsTests {
    @Test(
        "Path and query are the bytes around the first ?",
        .timeLimit(.minutes(1)),
        arguments: [
            ("/livepage/clients/abc/output?after=7", "/livepage/clients/abc/output", "after=7"),
            ("/a?b?c", "/a", "b?c"),
            ("/a?", "/a", ""),
            ("/", "/", nil),
            ("*", "*", nil),
            ("http://host:8080/p/q?x=1", "/p/q", "x=1"),
            ("http://host", "/", nil),
            ("http://host?x", "/", "x"),
            ("/p://x", "/p://x", nil),
        ] as [(String, String, String?)]
    )
    func parts(target: String, path: String, query: String?) {
        let head = HTTPRequestHead(method: .get, target: target)
        #expect(head.path == path)
        #expect(head.query == query)
        #expect(head.withPathBytes { String(decoding: $0, as: UTF8.self) } == path)
        #expect(head.withQueryBytes { $0.map { String(decoding: $0, as: UTF8.self) } } == query)
    }

    @Test("Setting the target moves its path and query with it", .timeLimit(.minutes(1)))
    func settingTheTarget() {
        var request = HTTPRequest(head: HTTPRequestHead(method: .get, target: "/a?x=1"))
        request.target = "/b/c"
        #expect(request.path == "/b/c")
        #expect(request.query == nil)
        #expect(request.head == HTTPRequestHead(method: .get, target: "/b/c"))
    }

    /// A target the decoder read is held in place up to 96 bytes and as a string beyond;
    /// either way it reads back byte for byte, and equals a head made from the string.
    @Test(
        "A decoded target reads back byte for byte, in place or not",
        .timeLimit(.minutes(1)),
        arguments: [7, 95, 96, 97, 3000]
    )
    func decodedTarget(length: Int) throws {
        let target = "/p" + String(repeating: "a", count: length - 6) + "?q=1"
        #expect(target.utf8.count == length)
        var harness = DecoderHarness()
        harness.feed(Array("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
        let head = try #require(harness.requests.first).head.head
        #expect(head.target == target)
        #expect(head.path == String(target.dropLast(4)))
        #expect(head.query == "q=1")
        #expect(head.withQueryBytes { $0.map { Array($0) } } == Array("q=1".utf8))
        #expect(head == HTTPRequestHead(method: .get, target: target, headers: head.headers))
        #expect(head != HTTPRequestHead(method: .get, target: target + "x", headers: head.headers))
        var changed = head
        changed.target = "/b"
        #expect(changed.path == "/b" && changed.query == nil)
    }
}
