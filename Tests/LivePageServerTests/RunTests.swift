import LivePageServer
import LivePageTestSupport
import Testing

/// `LivePageServer.run()`: the server for the life of a task, until `shutDown()` or the
/// task's cancellation, then drained.
@Suite(.timeLimit(.minutes(2)))
struct RunTests {
    @Test func cancellingTheTaskThatRunsTheServerDrainsItAndReturns() async throws {
        let embedded = try EmbeddedServer()
        let server = embedded.server
        let task = Task { try await server.run() }
        let health = try await embedded.request("GET", "/livepage/health")
        #expect(health.status == 200, "\(health)")
        let registered = try await embedded.postJSON("/livepage/clients", #"{"location": "/a"}"#)
        let id = try #require(try registered.json()["client"]?.stringValue)
        let port = server.port
        let poll = Task {
            try await BlockingThread.run {
                try TestHTTPClient(port: port).get("/livepage/clients/\(id)/output?after=0")
            }
        }
        #expect(await eventually { server.manager.metrics.parkedPolls == 1 })

        task.cancel()
        try await task.value
        let answer = try await poll.value
        #expect(answer.status == 503, "a parked poll is answered as the server drains: \(answer)")
        await server.waitUntilStopped()
        await #expect(throws: (any Error).self, "the server no longer listens") {
            try await embedded.request("GET", "/livepage/health")
        }
    }

    @Test func runReturnsOnceTheServerIsShutDown() async throws {
        let embedded = try EmbeddedServer()
        let task = Task { try await embedded.server.run() }
        #expect(try await embedded.request("GET", "/livepage/health").status == 200)
        await embedded.server.shutDown()
        try await task.value
        await embedded.server.shutDown()  // a second call returns too
    }

    @Test func runOnAServerThatHasStoppedReturnsAtOnce() async throws {
        let embedded = try EmbeddedServer()
        await embedded.stop()
        try await embedded.server.run()
    }
}
