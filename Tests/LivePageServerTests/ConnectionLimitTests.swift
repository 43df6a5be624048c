import LivePageTestSupport
import Testing

/// The connection limits of PROTOCOL.md as the command sets them: header size, header
/// and idle timeouts, and requests that break HTTP. None of them cuts a parked poll short.
@Suite struct ConnectionLimitTests {
    @Test(.timeLimit(.minutes(2)))
    func aHeadOverTheLimitIs431AndATargetOverItIs414() async throws {
        try await withServer(["--max-header-size", "2048"]) { server in
            #expect(try server.request("GET", "/livepage/health", headers: [("X-Padding", String(repeating: "p", count: 1500))]).status == 200)

            let longHeader = try server.connect()
            let refused = try longHeader.get("/livepage/health", headers: [("X-Padding", String(repeating: "p", count: 3000))])
            expectError(refused, 431)
            #expect(refused.closesConnection, "\(refused)")
            #expect(try longHeader.waitForClose())

            let longTarget = try server.connect()
            let tooLong = try longTarget.get("/livepage/health?" + String(repeating: "q", count: 3000))
            #expect(tooLong.status == 414, "\(tooLong)")
            #expect(tooLong.header("X-Content-Type-Options") == "nosniff")
            #expect(try longTarget.waitForClose())
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func theDefaultLimitsAre16KiBForTheHeadAnd8KiBForTheTarget() async throws {
        try await withServer { server in
            let padding = [(name: "X-Padding", value: String(repeating: "p", count: 15000))]
            #expect(try server.request("GET", "/livepage/health", headers: padding).status == 200)
            expectError(try server.request("GET", "/livepage/health", headers: [("X-Padding", String(repeating: "p", count: 17000))]), 431)
            #expect(try server.request("GET", "/livepage/health?" + String(repeating: "q", count: 8000)).status == 200)
            let tooLong = try server.request("GET", "/livepage/health?" + String(repeating: "q", count: 9000))
            #expect(tooLong.status == 414, "\(tooLong)")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aRequestThatBreaksHTTPIsRefusedOnceAndTheConnectionClosed() async throws {
        try await withServer { server in
            let client = try server.connect()
            try client.send("GET /livepage/health HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\nGET /livepage/health HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try client.readResponse()
            expectError(response, 400)
            #expect(response.closesConnection)
            #expect(try client.waitForClose())
            #expect(try server.request("GET", "/livepage/health").text == "ok", "the server keeps serving")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func headersThatDoNotArriveInTimeCloseTheConnection() async throws {
        try await withServer(["--header-timeout", "1"]) { server in
            // Counted from the accept, which comes after this.
            let started = ContinuousClock.now
            let client = try server.connect()
            try client.send("GET /livepage/health HTTP/1.1\r\nHost: x\r\n")
            #expect(try client.waitForClose())
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(900), "closed after \(waited), before the header timeout")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func anIdleConnectionIsClosedButAParkedPollIsNot() async throws {
        try await withServer(["--idle-timeout", "1", "--header-timeout", "1", "--refresh", "3", "--grace", "10"]) { server in
            // Counted from the response, which comes after this.
            let sent = ContinuousClock.now
            let idle = try server.connect()
            #expect(try idle.get("/livepage/health").status == 200)
            #expect(try idle.waitForClose())
            #expect(ContinuousClock.now - sent >= .milliseconds(900))

            let id = try server.registerClient()
            let poller = try server.connect()
            let started = ContinuousClock.now
            let response = try poller.get(server.outputPath(id))
            #expect(response.status == 200, "a parked poll must outlive the idle and header timeouts: \(response)")
            #expect(try response.events().isEmpty)
            #expect(ContinuousClock.now - started >= .milliseconds(2690))
        }
    }
}
