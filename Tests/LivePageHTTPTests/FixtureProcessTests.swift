import LivePageTestSupport
import Testing

@testable import LivePageHTTP

#if canImport(Glibc)
    import Glibc
#endif

@Suite("The engine in a process of its own", .serialized, .timeLimit(.minutes(5)))
struct FixtureProcessTests {
    /// Asks the fixture for its `/stats` JSON on a fresh connection.
    static func stats(_ port: Int) throws -> String {
        let client = try TestClient(port: port)
        try client.send("GET /stats HTTP/1.1\r\nHost: a\r\n\r\n")
        return try client.readResponse().text
    }

    @Test("SIGTERM shuts down gracefully and exits 0", .timeLimit(.minutes(5)))
    func sigterm() async throws {
        let fixture = try FixtureProcess(arguments: [])
        let port = fixture.port
        try await BlockingThread.run {
            let client = try TestClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi")
            let response = try client.readResponse()
            #expect(response.text == "hi")
            fixture.send(signal: SIGTERM)
            let line = try fixture.readLine()
            #expect(line == "STOPPED")
            #expect(fixture.waitForExit() == 0)
        }
    }

    @Test("10,000 concurrent connections each with a parked request, all answered at shutdown", .timeLimit(.minutes(5)))
    func tenThousandParked() async throws {
        raiseDescriptorLimit()
        let fixture = try FixtureProcess(arguments: ["--grace", "30"])
        let port = fixture.port
        let count = 10_000
        let clients = try await BlockingThread.run {
            try (0..<count).map { _ in
                let client = try TestClient(port: port, timeout: 60)
                try client.send("GET /park HTTP/1.1\r\nHost: a\r\n\r\n")
                return client
            }
        }
        let parked = await eventually(timeout: .seconds(120)) {
            (try? Self.stats(port))?.contains(#""parked":\#(count),"#) ?? false
        }
        #expect(parked)
        let residentKiB = fixture.residentKiB()
        print(
            "fixture: \(count) parked requests, resident \(residentKiB) KiB (\(residentKiB * 1024 / count) B each, runtime included)"
        )
        fixture.send(signal: SIGTERM)
        let statuses = try await BlockingThread.run {
            try clients.map { try $0.readResponse().status }
        }
        #expect(statuses.count == count)
        #expect(statuses.allSatisfy { $0 == 503 })
        let exit = try await BlockingThread.run { () throws -> Int32 in
            let line = try fixture.readLine()
            #expect(line == "STOPPED")
            return fixture.waitForExit()
        }
        #expect(exit == 0)
    }

    @Test("Out of descriptors (EMFILE): no spinning, and serving resumes when they free up", .timeLimit(.minutes(5)))
    func emfile() async throws {
        let fixture = try FixtureProcess(arguments: ["--max-fds", "64", "--loops", "1"])
        let port = fixture.port
        var clients = try await BlockingThread.run {
            try (0..<150).map { _ in
                let client = try TestClient(port: port)
                try client.send("GET /park HTTP/1.1\r\nHost: a\r\n\r\n")
                return client
            }
        }
        // Let the fixture hit the limit, then measure its CPU time over two seconds.
        try await Task.sleep(for: .milliseconds(500))
        let before = fixture.cpuSeconds()
        try await Task.sleep(for: .seconds(2))
        let used = fixture.cpuSeconds() - before
        print("fixture CPU time over 2 s while out of descriptors: \(used) s")
        #expect(used < 1.0, "the accept loop must not spin")
        clients.removeAll()
        let served = await eventually(timeout: .seconds(60)) {
            guard let client = try? TestClient(port: port, timeout: 5) else { return false }
            guard (try? client.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n")) != nil else { return false }
            return (try? client.readResponse())?.text == "hello"
        }
        #expect(served)
        let stats = try await BlockingThread.run { try Self.stats(port) }
        #expect(!stats.contains(#""acceptPauses":0}"#), "\(stats)")
        fixture.send(signal: SIGINT)
        let exit = try await BlockingThread.run { fixture.waitForExit() }
        #expect(exit == 0)
    }
}
