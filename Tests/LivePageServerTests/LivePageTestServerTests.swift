import LivePageServer
import LivePageTesting
import Testing

/// `LivePageTestServer` itself: what it plays of the engine and of a client.
@Suite(.timeLimit(.minutes(1)))
struct LivePageTestServerTests {
    func register(_ app: LivePageTestServer) async throws -> String {
        let registered = await app.response(to: HTTPRequest(.post, "/livepage/clients", json: #"{"location": "/a"}"#))
        #expect(registered.status == .created)
        return try #require(try JSONValue(parsing: registered.body).objectValue?["client"]?.stringValue)
    }

    @Test func aCancelledPollIsForgottenAsWhenItsConnectionCloses() async throws {
        let app = try LivePageTestServer()
        let client = try await register(app)
        let poll = app.send(HTTPRequest(.get, "/livepage/clients/\(client)/output"))
        #expect(app.manager.metrics.parkedPolls == 1)
        poll.cancel()
        #expect(app.manager.metrics.parkedPolls == 0)
        #expect(!poll.isAnswered)
        _ = try await app.manager.send(Remove(id: "x"), to: .everyone)
        #expect(!poll.isAnswered, "a cancelled request gets no answer")
    }

    @Test func answersCarryWhatTheEngineAdds() async throws {
        let app = try LivePageTestServer()
        let health = await app.response(to: HTTPRequest(.get, "/livepage/health"))
        #expect(health.headers["X-Content-Type-Options"] == "nosniff")
        #expect(health.headers["Content-Length"] == "2")
        #expect(health.headers["Date"] != nil)
        let head = await app.response(to: HTTPRequest(.head, "/livepage/health"))
        #expect(head.body.isEmpty && head.headers["Content-Length"] == "2")
        let closing = await app.response(to: HTTPRequest(.get, "/livepage/health", headers: ["Connection": "close"]))
        #expect(closing.headers["Connection"] == "close")
    }

    @Test func aBodyOverTheRoutesLimitIsRefusedBeforeTheRoutesSeeIt() async throws {
        var configuration = LivePageServer.Configuration()
        configuration.maximumInputBodySize = 10
        let app = try LivePageTestServer(configuration: configuration)
        let client = try await register(app)
        let input = HTTPRequest(.post, "/livepage/clients/\(client)/input", json: #"{"verb": "remove", "id": "abc"}"#)
        let refused = await app.response(to: input)
        #expect(refused.status == .payloadTooLarge)
        #expect(refused.headers["Connection"] == "close")
    }

    @Test func theApplicationsPagesRunAndCarryTheirClient() async throws {
        let app = try LivePageTestServer { request, server in
            let page = try server.openPage(at: request.path, principal: "alice")
            return HTTPResponse(body: page.scriptTags)
        }
        let page = await app.response(to: HTTPRequest(.get, "/poll"))
        #expect(page.status == .ok)
        #expect(String(decoding: page.body, as: UTF8.self).contains("LivePage.start("))
        #expect(app.manager.online(at: "/poll").principals == ["alice"])
    }

    @Test func shuttingDownAnswersParkedPollsUnavailable() async throws {
        let app = try LivePageTestServer()
        let client = try await register(app)
        let poll = app.send(HTTPRequest(.get, "/livepage/clients/\(client)/output"))
        await app.shutDown()
        let answer = try #require(poll.answer)
        #expect(answer.status == .serviceUnavailable)
        #expect(answer.headers["Retry-After"] != nil)
    }
}
