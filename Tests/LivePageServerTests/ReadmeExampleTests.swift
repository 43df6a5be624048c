import Foundation
import LivePage
import LivePageEvents
import LivePageServer
import LivePageTestSupport
import Testing

@testable import PollApp

/// The README's embedding example: the README shows exactly the code of
/// `examples/swift_app` (the poll, and the program that runs it), and the poll runs as the
/// README says, here in this process (`PollAppProcessTests` runs the program).
@Suite(.timeLimit(.minutes(2)))
struct ReadmeExampleTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The lines between the example's markers in `text`.
    static func example(in text: String) throws -> String {
        let begin = try #require(text.firstRange(of: "// README example begins\n"))
        let end = try #require(text.firstRange(of: "// README example ends"))
        return String(text[begin.upperBound..<end.lowerBound])
    }

    @Test(arguments: [
        "examples/swift_app/PollServer.swift", "examples/swift_app/main.swift", "Tests/LivePageServerTests/ReadmeTestingExample.swift",
    ])
    func theReadmeShowsTheCompiledExampleWordForWord(file: String) throws {
        let readme = try String(contentsOfFile: Self.packageRoot + "/README.md", encoding: .utf8)
        let source = try String(contentsOfFile: Self.packageRoot + "/" + file, encoding: .utf8)
        let shown = try #require(readme.firstRange(of: "```swift\n" + (try Self.example(in: source)) + "```"))
        #expect(!shown.isEmpty)
    }

    /// The client id in a page's `LivePage.start({...})`.
    static func clientID(inPage html: String) throws -> String {
        let start = try #require(html.firstRange(of: #""client":""#))
        return String(html[start.upperBound...].prefix(36))
    }

    /// A client whose blocking calls run on a thread of their own: the server runs in
    /// this process, and its tasks need the cooperative threads a blocked test would hold.
    struct Client {
        let port: Int

        func get(_ path: String) async throws -> TestHTTPResponse {
            try await BlockingThread.run { try TestHTTPClient(port: port).get(path) }
        }

        func post(_ path: String, json: String) async throws -> TestHTTPResponse {
            try await BlockingThread.run {
                try TestHTTPClient(port: port).post(path, headers: [("Content-Type", "application/json")], body: json)
            }
        }
    }

    @Test func votesFromNamedVisitorsReachEveryPageOfThePoll() async throws {
        let server = try makePollServer(port: 0)
        try server.start()
        let http = Client(port: server.port)

        let page = try await http.get("/?name=alice")
        #expect(page.status == 200, "\(page)")
        #expect(page.header("Cache-Control") == "no-store, private")
        #expect(page.text.contains("LivePage.start("))
        let alice = try Self.clientID(inPage: page.text)
        let bob = try Self.clientID(inPage: try await http.get("/?name=bob").text)
        #expect(server.manager.online(at: "/poll").principals == ["alice", "bob"])

        let vote = try await http.post("/livepage/clients/\(alice)/input", json: #"{"verb": "vote", "option": "tea"}"#)
        #expect(vote.status == 200, "\(vote)")
        #expect(try vote.json().int("delivered") == 2)
        let events = try await http.get("/livepage/clients/\(bob)/output?after=1").events()
        #expect(events.map { $0["html"]?.stringValue } == ["<li>tea</li>"])
        #expect(events.first?["from"]?.stringValue == "alice")

        let refused = try await http.post("/livepage/clients/\(alice)/input", json: #"{"verb": "vote", "option": "beer"}"#)
        #expect(refused.status == 400)
        #expect(refused.text.contains("option"))

        let anonymous = try Self.clientID(inPage: try await http.get("/").text)
        let rejected = try await http.post("/livepage/clients/\(anonymous)/input", json: #"{"verb": "vote", "option": "tea"}"#)
        #expect(rejected.status == 403)
        #expect(try rejected.json()["error"]?.stringValue == "Give your name to vote.")

        #expect(try await server.manager.send(Update(id: "votes", html: ""), to: .location("/poll")) == 3)
        await server.shutDown()
    }

    /// A newcomer's report: `?name=Zo%C3%AB%20M` showed as `Zo%C3%AB%20M` in the online
    /// list, as the example never percent-decoded the name.
    @Test func aPercentEncodedNameIsDecoded() async throws {
        let server = try makePollServer(port: 0)
        try server.start()
        let http = Client(port: server.port)
        let page = try await http.get("/?name=Zo%C3%AB+M%26")
        #expect(page.status == 200)
        #expect(server.manager.online(at: "/poll").principals == ["Zoë M&"])
        #expect(page.text.contains("error.message"), "a refused vote is shown on the page")
        await server.shutDown()
    }

    @Test func pathsUnderThePrefixStayLivePagesAndLookAlikesGoToTheApplication() async throws {
        let server = try makePollServer(port: 0)
        try server.start()
        let http = Client(port: server.port)
        #expect(try await http.get("/livepage/nothing-here").status == 404)
        let lookAlike = try await http.get("/livepage-about")
        #expect(lookAlike.status == 404, "\(lookAlike)")
        #expect(lookAlike.text == "No such page.", "the application's answer, not LivePage's: \(lookAlike)")
        await server.shutDown()
    }

    /// A browser asks every page's origin for /favicon.ico; the example answered it with a
    /// poll page, registering a client that stayed online for two minutes.
    @Test func theBrowsersFaviconRequestRegistersNoClient() async throws {
        let server = try makePollServer(port: 0)
        try server.start()
        let http = Client(port: server.port)
        #expect(try await http.get("/favicon.ico").status == 404)
        #expect(try await http.get("/favicon.ico?name=alice").status == 404)
        #expect(server.manager.online(at: "/poll").principals.isEmpty && server.manager.online(at: "/poll").anonymous == 0)
        await server.shutDown()
    }
}
