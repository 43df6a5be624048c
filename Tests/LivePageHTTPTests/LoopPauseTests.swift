import LivePageTestSupport
import Testing

@testable import LivePageHTTP

/// The engine's wake-up coalescing on real sockets (``WakeUpCoalescer`` alone is tested in
/// `WakeUpCoalescerTests`): the loop pauses after the first request it parks here, for
/// 30 s, so that anything that ends a pause early shows.
@Suite("An event loop's pauses in a stream of parking requests", .timeLimit(.minutes(3)))
struct LoopPauseTests {
    /// One loop that pauses for 30 s after any wake-up that parks a request. A connection's
    /// header deadline also ends a pause, so it is a minute here.
    static func pausingAtOnce(_ configuration: inout HTTPServerConfiguration) {
        configuration.eventLoopCount = 1
        configuration.coalescingPause = .seconds(30)
        configuration.headerTimeout = .seconds(60)
        configuration.coalescingTrigger = .init(streak: 1, shortWake: .max)
    }

    @Test("A response handed over from another thread cuts a pause short, and the requests that came meanwhile are read")
    func workFromAnotherThreadEndsAPause() async throws {
        let handler = ParkingHandler()
        let server = try TestServer.start(Self.pausingAtOnce, handler: handler)
        let port = server.port
        let first = try TestClient(port: port, timeout: 10)
        try first.send("GET /park HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(await eventually { handler.parkedCount == 1 })
        #expect(await eventually { server.metrics.loopPauses >= 1 })

        // Sent during the pause: read once it ends.
        let second = try TestClient(port: port, timeout: 10)
        try second.send("GET /park HTTP/1.1\r\nHost: a\r\n\r\n")
        for responder in handler.takeParked() { responder.respond(HTTPResponse(body: "first")) }
        // The client gives up after 10 s, a third of the pause.
        let answer = try await BlockingThread.run { try first.readResponse() }
        #expect(answer.text == "first")
        #expect(await eventually { handler.parkedCount == 1 })
        for responder in handler.takeParked() { responder.respond(HTTPResponse(body: "second")) }
        let secondAnswer = try await BlockingThread.run { try second.readResponse() }
        #expect(secondAnswer.text == "second")
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("A pause ends when a timer is due: a silent client still gets its header timeout")
    func aPauseNeverOutlastsATimer() async throws {
        let handler = ParkingHandler()
        let server = try TestServer.start(
            {
                Self.pausingAtOnce(&$0)
                $0.headerTimeout = .seconds(1)
            },
            handler: handler)
        let port = server.port
        let silent = try TestClient(port: port, timeout: 10)
        #expect(await eventually { server.metrics.connectionsAccepted == 1 })
        // The parked request starts a pause, which lasts until the silent client's header
        // deadline, not 30 s; the client gives up after 10.
        let parking = try TestClient(port: port, timeout: 10)
        try parking.send("GET /park HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(await eventually { handler.parkedCount == 1 })
        let closed = try await BlockingThread.run { try silent.readUntilClosed() }
        #expect(closed.isEmpty)
        #expect(server.metrics.loopPauses >= 1)
        #expect(await eventually { server.metrics.timeouts == 1 })
        await server.shutDown(gracePeriod: .seconds(5))
    }
}
