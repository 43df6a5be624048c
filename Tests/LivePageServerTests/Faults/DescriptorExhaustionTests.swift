import Glibc
import LivePageTestSupport
import Testing

extension Faults {
    /// Descriptor exhaustion: `livepage-server` runs with `RLIMIT_NOFILE` 64, and three times
    /// as many connections as that arrive, each with a poll. The server accepts what it can,
    /// pauses accepting (the rest wait in the kernel's backlog) without spinning or dying,
    /// keeps serving the connections it has, and, as connections go, accepts and answers the
    /// waiting ones and serves normally again: health, register, poll, publish.
    @Suite(.serialized, .timeLimit(.minutes(5)))
    struct DescriptorExhaustionTests {
        static let descriptorLimit = 64
        static let connectionCount = 192

        @Test func connectionsBeyondTheLimitWaitWithoutSpinningAndAreServedWhenDescriptorsFree() async throws {
            try await withFaultServer(publishing + ["--refresh", "120"], descriptorLimit: Self.descriptorLimit) { server in
                let probe = server.probe
                let idleDescriptors = probe.openDescriptors() ?? 0
                let ids = try await BlockingThread.run { [server] in
                    try server.registerClients(Self.connectionCount) { #"{"location": "/fd/\#($0 % 8)"}"# }
                }
                // Opened before the limit is reached, so they still work once it is.
                let observer = try server.connect()
                let publisher = try server.connect()

                // Every connection sends its poll at once; the server can hold only some.
                let port = server.port
                let connections = try await BlockingThread.run {
                    let connections = try ids.map { id in
                        let connection = try RawConnection(port: port)
                        try connection.send("GET /livepage/clients/\(id)/output?after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                        return connection
                    }
                    // The kernel completes the handshakes and takes the requests, accepted or not.
                    try sendEverything(connections, timeout: .seconds(60))
                    return connections.map(UncheckedBox.init)
                }
                #expect(
                    try await eventually { try server.metric("livepage_http_accept_pauses_total", on: observer) ?? 0 > 0 },
                    "the server ran out of descriptors and paused accepting")
                var parkedAtLimit = 0
                #expect(
                    try await eventually {
                        // Parked polls stop growing once every descriptor is taken.
                        let parked = try server.metric("livepage_parked_requests", on: observer) ?? 0
                        defer { parkedAtLimit = parked }
                        return parked > 0 && parked == parkedAtLimit && (probe.openDescriptors() ?? 0) >= Self.descriptorLimit - 2
                    })
                #expect(parkedAtLimit < Self.connectionCount, "not every connection could be accepted: \(parkedAtLimit) parked")

                // Out of descriptors, with connections waiting: the accept loop must back off,
                // not spin. The process runs on, using next to no CPU time.
                let before = try #require(probe.cpuSeconds())
                try await Task.sleep(for: .seconds(3))  // the measuring window, not a wait
                let used = try #require(probe.cpuSeconds()) - before
                print(
                    "descriptor exhaustion: limit \(Self.descriptorLimit) (\(idleDescriptors) open when idle), \(Self.connectionCount) "
                        + "connections, \(parkedAtLimit) parked at the limit, CPU time over 3 s: \(used) s")
                #expect(used < 0.5, "the server used \(used) s of CPU in 3 s while out of descriptors")
                #expect(probe.isRunning)
                #expect(try observer.get("/livepage/health").text == "ok", "connections already open are served")

                // One event for everyone: each parked poll is answered; as the test closes the
                // answered connections, the server accepts the waiting ones, whose polls are
                // answered with the same event at once.
                let delivered = try publisher.post(
                    "/livepage/publish", headers: [("Authorization", "Bearer \(publishKey)"), ("Content-Type", "application/json")],
                    body: #"{"to": {"all": true}, "events": [{"verb": "n", "n": 1}]}"#)
                #expect(try delivered.status == 200 && delivered.json().int("delivered") == Self.connectionCount, "\(delivered)")
                let answers = try await BlockingThread.run { try readOneAnswerEach(connections.map(\.value), timeout: .seconds(120)) }
                let statuses = answers.map { $0?.status ?? 0 }
                #expect(statuses.filter { $0 == 200 }.count == Self.connectionCount, "every poll got its event: \(statuses)")

                // With descriptors free again, everything works on new connections.
                #expect(try server.request("GET", "/livepage/health").text == "ok")
                let fresh = try server.registerClient(at: "/fd/fresh")
                #expect(try server.deliver(#"[{"verb": "n", "n": 2}]"#, to: #"{"location": "/fd/fresh"}"#) == 1)
                #expect(try server.events(fresh).count == 1)
                let parkedAgain = try server.connect()
                try parkedAgain.send(TestHTTPRequest("GET", server.outputPath(ids[1], after: "1")))
                #expect(try await server.waitForMetric("livepage_parked_requests", toBe: 1))
                #expect(try server.deliver(#"[{"verb": "n", "n": 3}]"#, to: #"{"location": "/fd/1"}"#) == Self.connectionCount / 8)
                let answer = try parkedAgain.readResponse()
                #expect(try answer.status == 200 && answer.events().first?.int("n") == 3, "\(answer)")
                #expect(server.process.standardError.contains("accepting paused"), "the pause is logged")
            }
        }
    }
}

/// Carries a value that is not `Sendable` from one thread to another that takes it over.
///
/// `@unchecked Sendable`: the tests hand the value across once (from the thread that made
/// it to the one that uses it, each awaiting the other), never sharing it.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
