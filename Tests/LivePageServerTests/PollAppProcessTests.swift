import Glibc
import LivePageEvents
import LivePageTestSupport
import Testing

/// The README's embedding example run as the program it shows (`examples/swift_app`), as a
/// user copies it: a newcomer's app exited 143 at once on `SIGTERM`, parked polls unanswered.
@Suite struct PollAppProcessTests {
    /// The example built beside the test binary, started on a free port.
    static func start() async throws -> LiveServer {
        let process = try await ServerProcess.start(
            executable: try ServerProcess.siblingExecutable(named: "PollApp"), arguments: [], environment: ["PORT": "0"])
        return LiveServer(process: process, prefix: "/livepage")
    }

    @Test(.timeLimit(.minutes(2)))
    func aNamedVisitorIsOnlineAsTypedAndTheFaviconRegistersNoOne() async throws {
        let app = try await Self.start()
        let page = try app.request("GET", "/?name=Zo%C3%AB%20M")
        #expect(page.status == 200, "\(page)")
        let id = try ReadmeExampleTests.clientID(inPage: page.text)
        // The page's first event is who is online, as its list shows it: the name decoded.
        let presence = try #require(try app.events(id).first)
        #expect(presence.string("verb") == "presence", "\(presence)")
        #expect(presence["principals"]?.arrayValue?.compactMap(\.stringValue) == ["Zoë M"], "\(presence)")

        let icon = try app.request("GET", "/favicon.ico")
        #expect(icon.status == 404, "\(icon)")
        let online = try app.online(id).json()
        #expect(online["principals"]?.arrayValue?.compactMap(\.stringValue) == ["Zoë M"], "\(online)")
        #expect(online.int("anonymous") == 0, "the favicon request registered a client: \(online)")
        #expect(try app.metric("livepage_clients") == 1)

        #expect(try await app.stop() == .exited(0), "\(app.process.standardError)")
        expectCleanLog(app)
    }

    @Test(.timeLimit(.minutes(2)))
    func sigtermAnswersTheParkedPollThenExitsZero() async throws {
        let app = try await Self.start()
        let id = try ReadmeExampleTests.clientID(inPage: try app.request("GET", "/?name=alice").text)
        #expect(try app.events(id).map { $0.string("verb") } == ["presence"])
        let poller = try app.connect()
        try poller.send(TestHTTPRequest("GET", app.outputPath(id, after: "1")))
        #expect(try await app.waitForMetric("livepage_parked_requests", toBe: 1))

        app.process.signal(SIGTERM)
        let answer = try poller.readResponse()
        expectError(answer, 503, hiding: [id])
        #expect(Int(answer.header("Retry-After") ?? "") ?? 0 > 0, "\(answer)")
        #expect(try await app.process.waitForExit() == .exited(0), "\(app.process.standardError)")
        _ = await app.process.waitForOutputToEnd()
        #expect(app.process.standardError.hasSuffix("livepage: stopped\n"), "\(app.process.standardError)")
        expectCleanLog(app)
    }
}
