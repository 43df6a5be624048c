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
}
