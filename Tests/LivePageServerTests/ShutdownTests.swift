import Glibc
import LivePageTestSupport
import Testing

/// Graceful shutdown on `SIGTERM` and `SIGINT`: parked polls are answered `503` with a
/// `Retry-After`, and the process exits 0.
@Suite struct ShutdownTests {
    @Test(.timeLimit(.minutes(2)))
    func sigtermAnswersParkedPollsUnavailableAndExitsZero() async throws {
        let server = try await LiveServer.start()
        let ids = [try server.registerClient(at: "/a"), try server.registerClient(at: "/b", principal: "bob")]
        var pollers: [TestHTTPClient] = []
        for id in ids {
            let poller = try server.connect()
            try poller.send(TestHTTPRequest("GET", server.outputPath(id)))
            pollers.append(poller)
        }
        #expect(try await server.waitForMetric("livepage_parked_requests", toBe: 2))
        let idle = try server.connect()
        #expect(try idle.get("/livepage/health").status == 200)

        server.process.signal(SIGTERM)
        for (poller, id) in zip(pollers, ids) {
            let response = try poller.readResponse()
            expectError(response, 503, hiding: [id])
            expectAPIHeaders(response)
            let retryAfter = Int(response.header("Retry-After") ?? "") ?? 0
            #expect(retryAfter >= 1 && retryAfter <= 60, "Retry-After: \(response.header("Retry-After") ?? "none")")
        }
        #expect(try idle.waitForClose(), "an idle kept-alive connection is closed")
        #expect(try await server.process.waitForExit() == .exited(0))
        #expect(await server.process.waitForOutputToEnd())
        let log = server.process.standardError
        #expect(log.contains("shutting down") && log.hasSuffix("livepage: stopped\n"), "\(log)")
        #expect(!log.contains("internal error") && !log.contains("crashed"), "\(log)")
        for id in ids { #expect(!log.contains(id), "the log shows a client id") }
    }

    @Test(.timeLimit(.minutes(2)))
    func sigintStopsTheServerToo() async throws {
        let server = try await LiveServer.start()
        #expect(try server.request("GET", "/livepage/health").text == "ok")
        server.process.signal(SIGINT)
        #expect(try await server.process.waitForExit() == .exited(0))
        #expect(await server.process.waitForOutputToEnd())
        #expect(server.process.standardError.hasSuffix("livepage: stopped\n"), "\(server.process.standardError)")
    }

    @Test(.timeLimit(.minutes(2)))
    func aServerStoppedWithoutParkedPollsExitsZero() async throws {
        let server = try await LiveServer.start(publishing)
        let id = try server.registerClient()
        _ = try server.deliver(#"[{"verb": "remove", "id": "x"}]"#, to: #"{"all": true}"#)
        #expect(try server.events(id).count == 1)
        #expect(try await server.stop() == .exited(0))
    }

    @Test(.timeLimit(.minutes(2)))
    func requestsArrivingDuringShutdownAreAnsweredUnavailable() async throws {
        let server = try await LiveServer.start(publishing + ["--shutdown-grace", "20"])
        let id = try server.registerClient()
        let parked = try server.connect()
        try parked.send(TestHTTPRequest("GET", server.outputPath(id)))
        #expect(try await server.waitForMetric("livepage_parked_requests", toBe: 1))

        // Requests in progress when the shutdown begins: their heads have been read (the
        // server said `100 Continue`), their bodies are sent after it has begun.
        let bodies = [
            ("/livepage/publish", #"{"to": {"all": true}, "events": [{"verb": "remove", "id": "x"}]}"#),
            ("/livepage/clients/\(id)/input", #"{"verb": "append", "id": "log", "html": "x"}"#),
            ("/livepage/clients", #"{"location": "/late"}"#),
            ("/livepage/disconnect", #"{"to": {"all": true}}"#),
        ]
        var pending: [(TestHTTPClient, String)] = []
        for (path, body) in bodies {
            let client = try server.connect()
            let headers: [(name: String, value: String)] = [
                ("Authorization", "Bearer \(publishKey)"), ("Content-Type", "application/json"),
                ("Content-Length", String(body.utf8.count)), ("Expect", "100-continue"),
            ]
            try client.send(TestHTTPRequest("POST", path, headers: headers))
            let interim = try client.readResponse(method: "POST")
            try #require(interim.status == 100, "\(path): \(interim)")
            pending.append((client, body))
        }

        server.process.signal(SIGTERM)
        let answer = try parked.readResponse()
        expectError(answer, 503, hiding: [id])
        for ((client, body), (path, _)) in zip(pending, bodies) {
            try client.send(body)
            let response = try client.readResponse()
            expectError(response, 503, hiding: [id])
            #expect(response.status == 503, "\(path): \(response)")
            #expect(Int(response.header("Retry-After") ?? "") != nil, "\(path): \(response)")
        }
        #expect(try await server.process.waitForExit() == .exited(0))
    }

    /// Regression: SIGTERM was ignored (and the server ran on) or killed it, when it came
    /// after the listening line but before the signal sources were registered (dispatch
    /// registers them asynchronously). Each signal leaves the moment the line is read.
    @Test(.timeLimit(.minutes(3)), arguments: [try LiveServer.executable(), try ServerProcess.siblingExecutable(named: "PollApp")])
    func sigtermRightAfterTheListeningLineStopsTheServerGracefully(executable: String) async throws {
        try await withThrowingTaskGroup(of: ServerProcess.ExitStatus.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let process = try ServerProcess(
                        executable: executable, arguments: ["--port", "0"], environment: ["PORT": "0"], removingPrefixes: ["LIVEPAGE_"])
                    process.signal(SIGTERM, onceStandardErrorContains: "listening on http://")
                    return try await process.waitForExit()
                }
            }
            for try await status in group {
                #expect(status == .exited(0))
            }
        }
    }
}
