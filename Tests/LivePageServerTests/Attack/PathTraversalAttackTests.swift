import LivePageTestSupport
import Testing

/// Path traversal on the static routes: the server serves `livepage.js` and the demo pages
/// from its binary, never from the file system, and matches paths byte for byte without
/// decoding or normalising them. Every other spelling of a path is a clean `404` (or `400`
/// for a target HTTP forbids, with the connection closed), and the server keeps serving.
@Suite(.timeLimit(.minutes(3)))
struct PathTraversalAttackTests {
    /// Targets that must be `404`, as a JSON error.
    static let notFound = [
        "/livepage/../livepage/livepage.js", "/livepage/livepage.js/..", "/livepage/livepage.js/.", "/livepage/./livepage.js",
        "/livepage/%2e%2e/livepage/livepage.js", "/livepage/%2E%2E/%2E%2E/etc/passwd", "/livepage/..%2f..%2f..%2fetc%2fpasswd",
        "/livepage%2flivepage.js", "/livepage%2Flivepage.js", "/livepage/livepage%2ejs", "/livepage/%6civepage.js",
        "//livepage/livepage.js", "/livepage//livepage.js", "/livepage/livepage.js/", "/livepage/livepage.js%00",
        "/livepage/livepage.js%00.png", "/livepage/livepage.js%20", "/livepage\\livepage.js", "/livepage/..\\..\\etc\\passwd",
        "/livepage/%5c..%5c..%5cetc%5cpasswd", "/livepage/%c0%ae%c0%ae/etc/passwd", "/livepage/..%c0%af..%c0%afetc/passwd",
        "/../../../../etc/passwd", "/livepage/../../../../etc/passwd", "/etc/passwd", "/proc/self/environ",
        "/livepage/Package.swift", "/Package.swift", "/Resources/livepage.js", "/livepage/Resources/livepage.js",
        "/livepage/demo-chat.html", "/demo-chat.html", "/livepage/livepage.js~", "/livepage/livepage.js.bak",
        "/livepage/LIVEPAGE.JS", "/livepage/livepage.JS", "/Livepage/livepage.js", "/livepage/livepage.js;.png",
        "/livepage/livepage.js#x", "/index.html/..", "/index.html/../livepage/livepage.js", "/board/../livepage/livepage.js",
        "/./board", "/board/", "/%62oard", "/livepage/health/../metrics", "/livepage/%", "/livepage/%zz",
        "http://127.0.0.1/livepage/../etc/passwd", "http://127.0.0.1/../../etc/passwd",
        "/livepage/clients/../../../etc/passwd/output", "/livepage/clients/x/../../health",
    ]

    /// Targets HTTP does not allow: `400`, and the connection closed.
    static let badRequests: [(name: String, target: String)] = [
        ("a NUL byte", "/livepage/livepage.js\u{0}"), ("a NUL byte in the middle", "/livepage/\u{0}/../livepage.js"),
        ("a raw non-ASCII byte", "/livepage/livepag\u{E9}.js"), ("a tab", "/livepage/\tlivepage.js"),
        ("DEL", "/livepage/livepage.js\u{7F}"), ("a relative path", "../livepage/livepage.js"), ("dot dot", ".."),
        ("no slash", "livepage/livepage.js"), ("a backslash first", "\\livepage\\livepage.js"), ("a star with GET", "*"),
        ("a file URL", "file:///etc/passwd"),
    ]

    /// Text that would show a file of the machine or the source tree.
    static let leaks = ["root:", "swift-tools-version", "PATH=", "HOME=", "import ", "{{LIVEPAGE}}"]

    @Test func everyOtherSpellingOfAStaticPathIsNotFound() async throws {
        try await withServer { server in
            let script = try server.request("GET", "/livepage/livepage.js")
            try #require(script.status == 200)
            for target in Self.notFound {
                for method in ["GET", "HEAD"] {
                    let response = try server.connect().request(TestHTTPRequest(method, target))
                    #expect(response.status == 404, "\(method) \(target): \(response)")
                    #expect(response.header("X-Content-Type-Options") == "nosniff", "\(target)")
                    if method == "GET" { expectError(response, 404) }
                    for leak in Self.leaks {
                        #expect(!response.text.contains(leak), "\(target) shows \(leak.debugDescription): \(response)")
                    }
                }
            }
            try server.expectHealthy(after: "traversal attempts")
        }
    }

    @Test func aClientIdThatIsAPathIsAnUnknownClient() async throws {
        try await withServer { server in
            for id in ["..", "..%2f..%2fhealth", "%2e%2e", ".", "%00", "..%5c..%5cetc%5cpasswd", "%2fetc%2fpasswd"] {
                for route in ["output", "online", "input"] {
                    let response = try server.request(route == "input" ? "POST" : "GET", "/livepage/clients/\(id)/\(route)")
                    expectError(response, 410, reason: "unknown")
                }
            }
            for target in ["/livepage/clients//output", "/livepage/clients/%2F/output"] {
                expectError(try server.request("GET", target), 410, reason: "unknown")
            }
        }
    }

    @Test func targetsHTTPForbidsAreBadRequestsAndCloseTheConnection() async throws {
        try await withServer { server in
            for (name, target) in Self.badRequests {
                let (connection, response) = try server.sendRaw(TestHTTPRequest("GET", target).serialized(host: "127.0.0.1"))
                expectError(response, 400)
                #expect(response.closesConnection, "\(name): \(response)")
                for leak in Self.leaks {
                    #expect(!response.text.contains(leak), "\(name) shows \(leak.debugDescription)")
                }
                try expectClosedWithNothingMore(connection, name)
            }
            try server.expectHealthy(after: "forbidden targets")
        }
    }

    /// A query is never part of the path: the script is served whole, and only the script.
    @Test func aQueryDoesNotChangeWhatIsServed() async throws {
        try await withServer { server in
            let script = try server.request("GET", "/livepage/livepage.js")
            for query in ["../../etc/passwd", "file=/etc/passwd", "%2e%2e%2f%2e%2e%2fPackage.swift", "x=1&x=2", "\\..\\"] {
                let response = try server.request("GET", "/livepage/livepage.js?" + query)
                #expect(response.status == 200, "\(query): \(response)")
                #expect(response.body == script.body, "\(query) changed what was served")
            }
        }
    }
}
