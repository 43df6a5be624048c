import LivePageTestSupport
import Testing

@testable import LivePageHTTP

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Engine timeouts, cancellation, back-pressure and shutdown", .timeLimit(.minutes(3)))
struct HTTPServerResourceTests {
    @Test("The header timeout closes a client that never finishes its head", .timeLimit(.minutes(3)))
    func headerTimeout() async throws {
        let server = try TestServer.start({ $0.headerTimeout = .milliseconds(300) }, handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            let silent = try TestClient(port: port)
            #expect(try silent.readUntilClosed().isEmpty)

            let partial = try TestClient(port: port)
            try partial.send("GET / HT")
            #expect(try partial.readUntilClosed().isEmpty)
        }
        #expect(await eventually { server.metrics.timeouts == 2 })
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("A client trickling a byte at a time is cut off: bytes do not extend the budget", .timeLimit(.minutes(3)))
    func trickle() async throws {
        let server = try TestServer.start({ $0.headerTimeout = .milliseconds(300) }, handler: testRoutes)
        let port = server.port
        let sent = try await BlockingThread.run { () -> Int in
            let client = try TestClient(port: port)
            let bytes = Array("GET /".utf8) + Array(repeating: UInt8(ascii: "a"), count: 2000)
            for (index, byte) in bytes.enumerated() {
                do { try client.send([byte]) } catch { return index }
                usleep(20_000)
            }
            return bytes.count
        }
        #expect(sent < 2005)
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("A kept-alive connection idle past the idle timeout is closed", .timeLimit(.minutes(3)))
    func idleTimeout() async throws {
        let server = try TestServer.start({ $0.idleTimeout = .milliseconds(300) }, handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            let client = try TestClient(port: port)
            try client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try client.readResponse().status == 200)
            #expect(try client.readUntilClosed().isEmpty)
        }
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("A parked request has no engine timeout", .timeLimit(.minutes(3)))
    func parkedOutlivesTimeouts() async throws {
        let handler = ParkingHandler()
        let server = try TestServer.start(
            {
                $0.headerTimeout = .milliseconds(100)
                $0.idleTimeout = .milliseconds(100)
            }, handler: handler)
        let port = server.port
        let client = try TestClient(port: port)
        try client.send("GET /park HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(await eventually { handler.parkedCount == 1 })
        try await Task.sleep(for: .milliseconds(600))  // several timeout lengths
        #expect(handler.cancellations.count == 0)
        for responder in handler.takeParked() { responder.respond(HTTPResponse(body: "late")) }
        let response = try await BlockingThread.run { try client.readResponse() }
        #expect(response.text == "late")
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("A client that disconnects while parked cancels the async handler's task", .timeLimit(.minutes(3)))
    func disconnectCancelsTask() async throws {
        let started = Flag()
        let cancelled = Flag()
        let server = try TestServer.start(handler: { request in
            started.set()
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                cancelled.set()
                throw error
            }
            return HTTPResponse(body: "never")
        })
        let port = server.port
        var client: TestClient? = try TestClient(port: port)
        try client?.send("GET /park HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(await eventually { started.isSet })
        client = nil  // closes the socket
        #expect(await eventually { cancelled.isSet })
        #expect(await eventually { server.metrics.connectionsOpen == 0 })
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("A reset while parked runs the responder's onCancel; a later respond is ignored", .timeLimit(.minutes(3)))
    func resetRunsOnCancel() async throws {
        let handler = ParkingHandler()
        let server = try TestServer.start(handler: handler)
        let client = try TestClient(port: server.port)
        try client.send("GET /park HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(await eventually { handler.parkedCount == 1 })
        var hard = linger(l_onoff: 1, l_linger: 0)
        setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &hard, socklen_t(MemoryLayout<linger>.size))
        shutdown(client.fd, Int32(SHUT_RDWR))
        #expect(await eventually { handler.cancellations.count == 1 })
        let responder = try #require(handler.takeParked().first)
        #expect(responder.isCancelled)
        responder.respond(HTTPResponse(body: "too late"))
        let ran = Flag()
        responder.onCancel { ran.set() }
        #expect(ran.isSet)
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test(
        "A client that does not read a large response is closed after the write timeout; requests behind it are not handled",
        .timeLimit(.minutes(3)))
    func slowReader() async throws {
        let handled = Counter()
        let server = try TestServer.start(
            { $0.writeTimeout = .milliseconds(500) },
            handler: { request in
                if request.path == "/big" {
                    return HTTPResponse(body: [UInt8](repeating: 120, count: 48 * 1024 * 1024))
                }
                handled.increment()
                return HTTPResponse(body: "small")
            })
        let client = try TestClient(port: server.port)
        try client.send("GET /big HTTP/1.1\r\nHost: a\r\n\r\nGET /behind HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(await eventually { server.metrics.timeouts == 1 })
        #expect(await eventually { server.metrics.connectionsOpen == 0 })
        let received = try await BlockingThread.run { try client.readUntilClosed() }
        #expect(received.count < 48 * 1024 * 1024)
        #expect(handled.count == 0)
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("Responses from another thread reach many parked requests", .timeLimit(.minutes(3)))
    func respondFromAnotherThread() async throws {
        let handler = ParkingHandler()
        let server = try TestServer.start(handler: handler)
        let port = server.port
        let clients = try (0..<200).map { _ in try TestClient(port: port) }
        for client in clients { try client.send("GET /park HTTP/1.1\r\nHost: a\r\n\r\n") }
        #expect(await eventually { handler.parkedCount == 200 })
        let responders = handler.takeParked()
        try await BlockingThread.run {
            for responder in responders { responder.respond(HTTPResponse(body: "fan-out")) }
        }
        try await BlockingThread.run {
            for client in clients {
                let response = try client.readResponse()
                #expect(response.text == "fan-out")
            }
        }
        #expect(await eventually { server.metrics.responsesByStatus[200] == 200 })
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test(
        "Graceful shutdown: parked requests answered by the handler, idle connections closed", .timeLimit(.minutes(3)))
    func gracefulShutdown() async throws {
        let handler = ParkingHandler()
        let server = try TestServer.start(handler: handler)
        let port = server.port
        let idle = try TestClient(port: port)
        try idle.send("GET /now HTTP/1.1\r\nHost: a\r\n\r\n")
        let parked = try TestClient(port: port)
        try parked.send("GET /park HTTP/1.1\r\nHost: a\r\n\r\n")
        let first = try await BlockingThread.run { try idle.readResponse() }
        #expect(first.status == 200)
        #expect(await eventually { handler.parkedCount == 1 })
        await server.shutDown(gracePeriod: .seconds(10))
        try await BlockingThread.run {
            let leftover = try idle.readUntilClosed()
            #expect(leftover.isEmpty)
            let response = try parked.readResponse()
            #expect(response.status == 503)
            #expect(response.headers["Connection"] == "close")
            let after = try parked.readUntilClosed()
            #expect(after.isEmpty)
            #expect(throws: TestClientError.self) { try TestClient(port: port) }
        }
        #expect(handler.cancellations.count == 0)
    }

    @Test("Shutdown past its grace period cancels what is still parked", .timeLimit(.minutes(3)))
    func forcedShutdown() async throws {
        let handler = ParkingHandler(answerOnShutdown: false)
        let server = try TestServer.start(handler: handler)
        let parked = try TestClient(port: server.port)
        try parked.send("GET /park HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(await eventually { handler.parkedCount == 1 })
        await server.shutDown(gracePeriod: .milliseconds(200))
        #expect(handler.cancellations.count == 1)
        let rest = try await BlockingThread.run { try parked.readUntilClosed() }
        #expect(rest.isEmpty)
    }
}
