// The README's "Testing an embedded server" example, run as a test; ReadmeExampleTests
// checks that the README holds the lines between the markers exactly.

// README example begins
import LivePageServer
import LivePageTesting
import Testing

@Test func aParkedPollIsAnsweredByASendOrIdleWhenTheHoldTimePasses() async throws {
    let app = try LivePageTestServer()  // the routes on a manual clock, no socket
    let registered = await app.response(to: HTTPRequest(.post, "/livepage/clients", json: #"{"location": "/chat"}"#))
    let client = try #require(try JSONValue(parsing: registered.body).objectValue?["client"]?.stringValue)

    // Nothing to send: the poll parks, and a send answers it at once.
    let poll = app.send(HTTPRequest(.get, "/livepage/clients/\(client)/output?after=0"))
    #expect(!poll.isAnswered)
    _ = try await app.manager.send(Append(id: "log", html: "<p>hi</p>"), to: .location("/chat"))
    #expect(await poll.response.status == .ok)

    // With nothing sent, the idle answer comes once the hold time (the 25 s refresh) has passed.
    let idle = app.send(HTTPRequest(.get, "/livepage/clients/\(client)/output?after=1"))
    app.advance(by: .seconds(20))
    #expect(!idle.isAnswered)
    app.advance(by: .seconds(5))
    #expect(String(decoding: await idle.response.body, as: UTF8.self) == #"{"events":[]}"#)
}
// README example ends
