import Glibc
import LivePageEvents
import LivePageServer
import LivePageTestSupport
import Testing

/// The red team's smaller findings, each against a real server.
@Suite(.timeLimit(.minutes(3)))
struct EdgeAttackTests {
    /// Finding 6: publish ids that are different bytes counted as the same id on one
    /// server (`order-café` precomposed and decomposed, `K` and KELVIN SIGN): the second
    /// publish answered `{"delivered": 1}` and was never delivered.
    @Test func publishIDsThatDifferInTheirBytesAreDifferentPublishes() async throws {
        try await withServer(publishing) { server in
            let client = try server.registerClient(at: "/orders")
            for id in ["order-caf\u{E9}", "order-cafe\u{301}", "K-1", "\u{212A}-1"] {
                let body = #"{"id":"\#(id)","to":{"location":"/orders"},"events":[{"verb":"remove","id":"x"}]}"#
                let response = try server.publish(body)
                let delivered = try response.json().int("delivered")
                #expect(response.status == 200 && delivered == 1, "\(id): \(response)")
            }
            #expect(try server.events(client).count == 4, "each spelling was delivered")
            let repeated = try server.publish(#"{"id":"K-1","to":{"location":"/orders"},"events":[{"verb":"remove","id":"y"}]}"#)
            let again = try repeated.json().int("delivered")
            #expect(repeated.status == 200 && again == 1, "answered as the first was")
            _ = try server.publish(#"{"to":{"location":"/orders"},"events":[{"verb":"remove","id":"z"}]}"#)
            #expect(try server.events(client, after: 4).map { $0.string("id") } == ["z"], "the repeat was not delivered again")
        }
    }

    /// Finding 5: anonymous clients had no cap of their own, so plain GETs could fill
    /// `--max-clients`; the `429` names the cap.
    @Test func anonymousClientsStopAtTheirOwnCapWithA429NamingIt() async throws {
        try await withServer(["--max-anonymous-clients", "2", "--no-demo"]) { server in
            _ = try server.registerClient(at: "/a")
            _ = try server.registerClient(at: "/b")
            let refused = try server.register(#"{"location":"/c"}"#)
            #expect(refused.status == 429)
            #expect(refused.header("Retry-After") != nil)
            #expect(try refused.json().string("error")?.contains("maximum of 2 anonymous clients") == true, "\(refused)")
            _ = try server.registerClient(at: "/c", principal: "zorg.member.uwe")
        }
    }

    /// Finding 5: with `--token-secret`, `GET /` and `GET /board` registered anonymous
    /// clients without a token, which read members-only publishes and sent input.
    @Test func theDemoRegistersNobodyWithoutATokenInTokenMode() async throws {
        try await withServer(TokenRegistrationTests.arguments) { server in
            for path in ["/", "/board", "/?name=mallory"] {
                let page = try server.request("GET", path)
                #expect(page.status == 200)
                #expect(page.text.contains("token mode"), "\(path) says how to get in")
                #expect(!page.text.contains("LivePage.start"), "\(path) starts no client")
            }
            #expect(try server.metric("livepage_clients") == 0)
            let token = try TokenRegistrationTests.token("alice")
            let page = try server.request("GET", "/?token=\(token)")
            #expect(page.status == 200)
            #expect(page.text.contains("alice"))
            #expect(try server.metric("livepage_clients") == 1)
            let forged = try server.request("GET", "/?token=\(TokenRegistrationTests.tampered(token))")
            #expect(forged.status == 403)
            #expect(try server.metric("livepage_clients") == 1)
        }
    }

    /// Finding 8: an HTTP/0.9 request line (`GET /` and CRLF, nothing else) got no answer
    /// until the header timeout; nginx answers at once.
    @Test func anHTTP09RequestLineIsRefusedAtOnce() async throws {
        try await withServer(["--header-timeout", "60"]) { server in
            let connection = try server.connect()
            try connection.send("GET /\r\n")
            let response = try connection.readResponse(timeout: .seconds(20))
            #expect(response.status == 400)
            #expect(response.text.contains("HTTP/0.9"))
        }
    }

    /// Finding 8: `/online` ignored `--presence-list-limit` (1.35 MB per request at 50,000
    /// principals); above it the list is left out, as for `list` clients.
    @Test func onlineLeavesTheListOutAboveTheListLimit() async throws {
        try await withServer(publishing + ["--presence-list-limit", "2"]) { server in
            let alice = try server.registerClient(at: "/room", principal: "alice")
            _ = try server.registerClient(at: "/room", principal: "bob")
            var online = try server.online(alice).json()
            #expect(online.strings("principals") == ["alice", "bob"] && online["listed"] == nil)
            _ = try server.registerClient(at: "/room", principal: "carol")
            online = try server.online(alice).json()
            #expect(online.strings("principals") == [] && online.int("count") == 3 && online["listed"] == .bool(false))
        }
    }

    /// Finding 8: `--print-nginx-config` proxied all of `/livepage/`, publish and metrics
    /// included, against docs/SECURITY.md's own advice.
    @Test func theNginxConfigurationKeepsTheBackendRoutesOffThePublicAddress() throws {
        let text = NginxConfiguration(nodes: [.init(tag: 1, address: "127.0.0.1:8081")]).text
        let lines = text.split(separator: "\n").map { $0.trimmingPrefix(while: { $0 == " " }) }
        let start = try #require(lines.firstIndex(of: "location ~ ^/livepage/(publish|disconnect|presence|metrics)$ {"))
        let end = try #require(lines[start...].firstIndex(of: "}"))
        let rest = lines[start..<end].joined(separator: "\n")
        #expect(rest.contains("deny all;"))
        #expect(rest.contains("allow 127.0.0.1;"))
    }
}
