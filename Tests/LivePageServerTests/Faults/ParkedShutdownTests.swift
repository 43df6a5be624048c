import Glibc
import LivePageEvents
import LivePageTestSupport
import Testing

extension Faults {
    /// Graceful shutdown with 10,000 parked polls: on `SIGTERM` the real `livepage-server`
    /// answers every one `503` with a `Retry-After` spread over a few seconds (so that pages
    /// do not all come back in the same instant), and exits 0 well within its
    /// `--shutdown-grace`. The server runs in its own process; this test holds the 10,000
    /// client sockets, non-blocking, on one thread.
    @Suite(.serialized, .timeLimit(.minutes(5)))
    struct ParkedShutdownTests {
        @Test func tenThousandParkedPollsAreAllAnswered503WithSpreadRetryAfterAndTheServerExitsZero() async throws {
            let count = environmentInteger("FAULTS_SHUTDOWN_POLLS", default: 10_000)
            let limit = raiseDescriptorLimitToHard()
            try #require(limit >= count + 1_000, "RLIMIT_NOFILE allows \(limit) descriptors; the test needs \(count + 1_000)")
            let grace = 60
            try await withFaultServer(["--refresh", "600", "--shutdown-grace", "\(grace)"]) { server in
                let ids = try await BlockingThread.run { [server] in
                    try server.registerClients(count) { #"{"location": "/park/\#($0 % 100)"}"# }
                }
                let port = server.port
                let connections = try await BlockingThread.run {
                    var connections: [RawConnection] = []
                    connections.reserveCapacity(ids.count)
                    // In waves, so that the listen backlog never overflows into SYN retries.
                    for wave in stride(from: 0, to: ids.count, by: 500) {
                        var opened: [RawConnection] = []
                        for id in ids[wave..<min(ids.count, wave + 500)] {
                            let connection = try RawConnection(port: port)
                            try connection.send("GET /livepage/clients/\(id)/output HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                            opened.append(connection)
                        }
                        try sendEverything(opened, timeout: .seconds(120))
                        connections += opened
                    }
                    return connections.map(UncheckedBox.init)
                }
                var parked = 0
                let allParked = try await eventually(timeout: .seconds(180)) {
                    parked = try server.metric("livepage_parked_requests") ?? 0
                    return parked == count
                }
                try #require(allParked, "\(parked) of \(count) polls parked")
                let resident = server.probe.residentKiB() ?? 0

                let signalled = ContinuousClock.now
                server.process.signal(SIGTERM)
                let answers = try await BlockingThread.run {
                    try readOneAnswerEach(connections.map(\.value), timeout: .seconds(grace + 60))
                }
                let answered = ContinuousClock.now - signalled
                let status = try await server.process.waitForExit(timeout: .seconds(grace + 60))
                let exited = ContinuousClock.now - signalled

                var statuses: [Int: Int] = [:]
                var retryAfters: [Int: Int] = [:]
                var malformed: [String] = []
                for answer in answers {
                    statuses[answer?.status ?? 0, default: 0] += 1
                    guard let answer, answer.status == 503 else { continue }
                    if let seconds = answer.header("Retry-After").flatMap({ Int($0) }) {
                        retryAfters[seconds, default: 0] += 1
                    }
                    if malformed.count < 5, (try? JSONValue(parsing: answer.body))?.objectValue?["error"]?.stringValue == nil {
                        malformed.append(answer.description)
                    }
                }
                print(
                    """
                    graceful shutdown of \(count) parked polls (server resident \(resident) KiB while they were parked):
                    all answered \(answered) after SIGTERM, exit (\(status)) after \(exited); --shutdown-grace \(grace)
                    statuses \(statuses.sorted { $0.key < $1.key }); Retry-After seconds: count \(retryAfters.sorted { $0.key < $1.key })
                    """)
                #expect(statuses == [503: count], "every parked poll is answered 503 (0: closed without an answer)")
                #expect(retryAfters.values.reduce(0, +) == count, "every 503 has a Retry-After in whole seconds")
                #expect(retryAfters.keys.allSatisfy { (1...60).contains($0) }, "Retry-After is a few seconds: \(retryAfters.keys.sorted())")
                #expect(retryAfters.count >= 3, "Retry-After is spread, not one value for all: \(retryAfters)")
                #expect(retryAfters.values.allSatisfy { $0 < count / 2 }, "no value dominates: \(retryAfters)")
                #expect(malformed.isEmpty, "each 503 carries a JSON error: \(malformed)")
                #expect(status == .exited(0))
                #expect(exited < .seconds(grace), "the server drained and exited before its grace period ran out")
                expectCleanLog(server)
            }
        }
    }
}
