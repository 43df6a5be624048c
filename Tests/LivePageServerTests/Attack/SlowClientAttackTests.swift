import LivePageTestSupport
import Testing

/// Slowloris: clients that open connections and send their headers a byte at a time,
/// never finishing, to hold the server's connections. The header timeout counts from the
/// first byte of a request and is not reset by each byte, so every such connection is
/// cut, and the server answers other clients all along.
@Suite(.timeLimit(.minutes(3)))
struct SlowClientAttackTests {
    /// The head a slow client never finishes: a request line and then header bytes.
    static let start = Array("GET /livepage/health HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8)

    /// Trickles bytes to every open connection in `connections`, one byte each round,
    /// pacing the rounds by waiting for them to be closed; returns when all are closed or
    /// after `rounds` rounds. A round waits at most 100 ms, so `rounds` bounds the trickle.
    static func trickle(_ connections: [TestHTTPClient], rounds: Int, between: () throws -> Void = {}) throws -> Bool {
        for connection in connections { try connection.send(start) }
        for _ in 0..<rounds {
            var open = 0
            for connection in connections where !connection.isClosedByPeer {
                do {
                    try connection.send("a")
                    open += 1
                } catch is TestHTTPClientError {
                    continue  // reset by the server: closed
                }
            }
            try between()
            if open == 0 { return true }
            // Paces the trickle: returns early if the server closes the first open one.
            _ = try connections.first { !$0.isClosedByPeer }?.waitForClose(timeout: .milliseconds(100))
        }
        return connections.allSatisfy(\.isClosedByPeer)
    }

    @Test func aHeaderSentAByteAtATimeIsCutByTheHeaderTimeout() async throws {
        try await withServer(["--header-timeout", "1"]) { server in
            let slow = try server.connect()
            // 600 rounds take at least 60 s; the 1 s header timeout ends it long before.
            let cut = try Self.trickle([slow], rounds: 600)
            #expect(cut, "a connection trickling its header for a minute was not closed")
            if slow.isClosedByPeer, let answer = try? slow.readResponse(timeout: .seconds(1)) {
                #expect(answer.status == 408 || answer.status == 400, "\(answer)")
            }
            #expect(try await eventually { try server.metric("livepage_http_timeouts_total") ?? 0 >= 1 })
            try server.expectHealthy(after: "a slow header")
        }
    }

    @Test func manySlowConnectionsAreCutAndOthersAreServedMeanwhile() async throws {
        try await withServer(["--header-timeout", "2"]) { server in
            let slow = try (0..<64).map { _ in try server.connect() }
            var served = 0
            let cut = try Self.trickle(slow, rounds: 900) {
                // While the slow clients hold their connections, others are answered.
                if served < 5 {
                    let health = try server.request("GET", "/livepage/health")
                    #expect(health.text == "ok", "\(health)")
                    served += 1
                }
            }
            #expect(cut, "\(slow.filter { !$0.isClosedByPeer }.count) of 64 slow connections were never closed")
            #expect(served >= 1)
            try server.expectHealthy(after: "64 slow connections")
            #expect(try await eventually { try server.metric("livepage_http_connections") == 1 }, "connections are released")
        }
    }

    /// The same holds for the first bytes of a request on a kept-alive connection: the
    /// timeout counts from the request's first byte, not from the connection's start.
    @Test func aSlowSecondRequestOnAKeptAliveConnectionIsCutToo() async throws {
        try await withServer(["--header-timeout", "1"]) { server in
            let connection = try server.connect()
            #expect(try connection.get("/livepage/health").text == "ok")
            let cut = try Self.trickle([connection], rounds: 600)
            #expect(cut, "a kept-alive connection trickling its second request was not closed")
            try server.expectHealthy(after: "a slow second request")
        }
    }
}
