import LivePageServer
import LivePageTestSupport
import LivePageTesting
import Testing

/// Every demo page made the browser ask for `/favicon.ico`, a `404` in every console.
/// The pages link an icon the demo serves; `/favicon.ico` registers no client.
@Suite(.timeLimit(.minutes(2)))
struct DemoIconTests {
    static let link = #"<link rel="icon" href="/favicon.svg" type="image/svg+xml">"#

    @Test func everyDemoPageLinksTheIconTheDemoServes() async throws {
        try await withInProcessServer { server in
            for path in ["/", "/?name=alice", "/board"] {
                let page = try await server.request("GET", path)
                #expect(page.status == 200, "\(path): \(page)")
                #expect(page.text.contains(Self.link), "\(path) links no icon")
            }
            let icon = try await server.request("GET", "/favicon.svg")
            #expect(icon.status == 200, "\(icon)")
            #expect(icon.header("Content-Type") == "image/svg+xml")
            #expect(icon.text.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""), "\(icon.text)")
            #expect(icon.header("ETag") != nil)
        }
    }

    @Test func theIconAndFaviconICORegisterNoClient() async throws {
        try await withInProcessServer { server in
            for path in ["/favicon.svg", "/favicon.ico", "/favicon.svg?name=alice", "/favicon.ico?name=alice"] {
                _ = try await server.request("GET", path)
            }
            #expect(try await server.request("GET", "/favicon.ico").status == 404)
            #expect(try await server.metric("livepage_clients") == 0)
        }
    }

    @Test func withoutTheDemoThereIsNoIcon() async throws {
        try await withInProcessServer(["--no-demo"]) { server throws in
            #expect(try await server.request("GET", "/favicon.svg").status == 404)
        }
    }
}
