import LivePageTestSupport
import Synchronization
import Testing

@testable import LivePageHTTP

#if canImport(Glibc)
    import Glibc
#endif

/// An error that renders its own response.
struct TeapotError: HTTPResponseError {
    func response() -> HTTPResponse { .jsonError(.conflict, "That client is already polling.") }
}

/// An error with internals that must not leak.
struct SecretError: Error {
    var secret = "database password is hunter2"
}

/// The async handler the socket tests share: routes by path.
@Sendable func testRoutes(_ request: HTTPRequest) async throws -> HTTPResponse {
    switch request.path {
    case "/echo":
        return HTTPResponse(headers: ["X-Method": request.method.rawValue], body: request.body)
    case "/slow":
        try await Task.sleep(for: .milliseconds(50))
        return HTTPResponse(body: "slow")
    case "/throw":
        throw SecretError()
    case "/conflict":
        throw TeapotError()
    case "/address":
        return HTTPResponse(body: request.remoteAddress)
    default:
        return HTTPResponse(body: "path=\(request.path) query=\(request.query ?? "-")")
    }
}

@Suite("Engine over loopback sockets", .timeLimit(.minutes(2)))
struct HTTPServerTests {
    @Test("Keep-alive: several requests on one connection", .timeLimit(.minutes(2)))
    func keepAlive() async throws {
        let server = try TestServer.start(handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            let client = try TestClient(port: port)
            for index in 0..<5 {
                try client.send("GET /k?i=\(index) HTTP/1.1\r\nHost: a\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "path=/k query=i=\(index)")
                #expect(response.headers["Connection"] == nil)
                #expect(response.headers["Date"]?.hasSuffix(" GMT") == true)
            }
        }
        #expect(await eventually { server.metrics.connectionsAccepted == 1 && server.metrics.requests == 5 })
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("Pipelining: responses come back in request order", .timeLimit(.minutes(2)))
    func pipelining() async throws {
        let server = try TestServer.start(handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            let client = try TestClient(port: port)
            try client.send(
                "GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nthirdGET /fourth HTTP/1.1\r\nHost: a\r\n\r\n"
            )
            #expect(try client.readResponse().text == "slow")
            #expect(try client.readResponse().text == "path=/second query=-")
            #expect(try client.readResponse().text == "third")
            #expect(try client.readResponse().text == "path=/fourth query=-")
        }
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("A request written one byte at a time", .timeLimit(.minutes(2)))
    func byteAtATime() async throws {
        let server = try TestServer.start(handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            let client = try TestClient(port: port)
            for byte in "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n".utf8 {
                try client.send([byte])
                usleep(500)  // pace the bytes into separate segments
            }
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "abc")
        }
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("HEAD: the headers with the body's length, and no body", .timeLimit(.minutes(2)))
    func head() async throws {
        let server = try TestServer.start(handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            let client = try TestClient(port: port)
            try client.send("HEAD /h HTTP/1.1\r\nHost: a\r\n\r\nGET /h HTTP/1.1\r\nHost: a\r\n\r\n")
            let head = try client.readResponse(expectBody: false)
            #expect(head.status == 200)
            #expect(head.headers["Content-Length"] == "\("path=/h query=-".utf8.count)")
            // Had the HEAD response carried a body, this would parse garbage.
            #expect(try client.readResponse().text == "path=/h query=-")
        }
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("HTTP/1.0 closes unless it asks for keep-alive", .timeLimit(.minutes(2)))
    func http10() async throws {
        let server = try TestServer.start(handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            let plain = try TestClient(port: port)
            try plain.send("GET /old HTTP/1.0\r\n\r\n")
            let response = try plain.readResponse()
            #expect(response.status == 200)
            #expect(response.headers["Connection"] == "close")
            #expect(try plain.readUntilClosed().isEmpty)

            let kept = try TestClient(port: port)
            try kept.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try kept.readResponse().headers["Connection"] == "keep-alive")
            try kept.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try kept.readResponse().text == "path=/b query=-")
        }
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("Connection: close from the client is honoured", .timeLimit(.minutes(2)))
    func connectionClose() async throws {
        let server = try TestServer.start(handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            let client = try TestClient(port: port)
            try client.send(
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /ignored HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try client.readResponse().headers["Connection"] == "close")
            #expect(try client.readUntilClosed().isEmpty)
        }
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("Chunked request bodies are de-chunked for the handler", .timeLimit(.minutes(2)))
    func chunked() async throws {
        let server = try TestServer.start(handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            let client = try TestClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            try client.send("6;note=x\r\n world\r\n0\r\nChecksum: 1\r\n\r\n")
            #expect(try client.readResponse().text == "hello world")
        }
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("Expect: 100-continue gets 100 before the body, and 413 instead when too large", .timeLimit(.minutes(2)))
    func expectContinue() async throws {
        let server = try TestServer.start({ $0.limits.maxBodySize = 1000 }, handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            let client = try TestClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            #expect(try client.readResponse().status == 100)
            try client.send("body")
            #expect(try client.readResponse().text == "body")

            let large = try TestClient(port: port)
            try large.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
            let refused = try large.readResponse()
            #expect(refused.status == 413)
            #expect(refused.headers["Connection"] == "close")
        }
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("413 is answered from Content-Length before the body is sent", .timeLimit(.minutes(2)))
    func payloadTooLarge() async throws {
        let server = try TestServer.start({ $0.limits.maxBodySize = 1000 }, handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            let client = try TestClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.headers["Content-Type"] == "application/json")
            #expect(response.text.hasPrefix(#"{"error":""#))
            #expect(try client.readUntilClosed().isEmpty)
        }
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test(
        "A handler's maximumBodySize lowers the limit per request, and is asked only when a body is declared",
        .timeLimit(.minutes(2)))
    func perRequestLimit() async throws {
        final class Asked: Sendable {
            let paths = Mutex<[String]>([])
        }
        struct Small: HTTPHandler {
            let asked: Asked
            func handle(_ request: HTTPRequest, responder: HTTPResponder) {
                responder.respond(HTTPResponse(body: request.body))
            }
            func maximumBodySize(for head: HTTPRequestHead) -> Int {
                asked.paths.withLock { $0.append(head.path) }
                return head.path == "/small" ? 4 : .max
            }
        }
        let asked = Asked()
        let server = try TestServer.start(handler: Small(asked: asked))
        let port = server.port
        try await BlockingThread.run {
            let small = try TestClient(port: port)
            try small.send("POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcde")
            #expect(try small.readResponse().status == 413)
            let other = try TestClient(port: port)
            try other.send("POST /other HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcde")
            #expect(try other.readResponse().text == "abcde")
            try other.send("GET /small HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try other.readResponse().status == 200)
            try other.send("POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")
            #expect(try other.readResponse().status == 200)
            try other.send("POST /chunked HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
            #expect(try other.readResponse().text == "abc")
        }
        // The requests without a body were never asked about.
        #expect(asked.paths.withLock { $0 } == ["/small", "/other", "/chunked"])
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test(
        "Malformed requests get a JSON error with the default headers, then the connection closes",
        .timeLimit(.minutes(2)))
    func malformed() async throws {
        let server = try TestServer.start(
            { $0.defaultHeaders = ["X-Content-Type-Options": "nosniff"] }, handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            let client = try TestClient(port: port)
            try client.send("GET / HTTP/1.1\r\nHost : a\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(response.headers["Connection"] == "close")
            #expect(response.headers["X-Content-Type-Options"] == "nosniff")
            #expect(response.headers["Content-Type"] == "application/json")
            #expect(response.text.contains("whitespace"))
            #expect(try client.readUntilClosed().isEmpty)
        }
        #expect(await eventually { server.metrics.parseErrors == 1 })
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("A thrown error is a 500 with a generic message; the server keeps serving", .timeLimit(.minutes(2)))
    func handlerThrows() async throws {
        let logged = Counter()
        let server = try TestServer.start({ $0.log = { _ in logged.increment() } }, handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            let client = try TestClient(port: port)
            try client.send("GET /throw HTTP/1.1\r\nHost: a\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 500)
            #expect(response.text == #"{"error":"The server could not complete this request."}"#)
            #expect(!response.text.contains("hunter2"))
            try client.send("GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try client.readResponse().status == 200)
        }
        #expect(logged.count == 1)
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("An HTTPResponseError renders its own response", .timeLimit(.minutes(2)))
    func responseError() async throws {
        let server = try TestServer.start(handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            let client = try TestClient(port: port)
            try client.send("GET /conflict HTTP/1.1\r\nHost: a\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 409)
            #expect(response.text == #"{"error":"That client is already polling."}"#)
        }
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("IPv6 on ::1", .timeLimit(.minutes(2)))
    func ipv6() async throws {
        let server = try TestServer.start({ $0.host = "::1" }, handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            let client = try TestClient(port: port, host: "::1")
            try client.send("GET /address HTTP/1.1\r\nHost: [::1]\r\n\r\n")
            #expect(try client.readResponse().text.hasPrefix("[::1]:"))
        }
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("\"::\" accepts IPv4 and IPv6", .timeLimit(.minutes(2)))
    func dualStack() async throws {
        let server = try TestServer.start({ $0.host = "::" }, handler: testRoutes)
        let port = server.port
        try await BlockingThread.run {
            for host in ["127.0.0.1", "::1"] {
                let client = try TestClient(port: port, host: host)
                try client.send("GET /address HTTP/1.1\r\nHost: a\r\n\r\n")
                #expect(try client.readResponse().status == 200)
            }
        }
        await server.shutDown(gracePeriod: .seconds(5))
    }

    @Test("A port in use is a matchable error that says so", .timeLimit(.minutes(2)))
    func portInUse() async throws {
        let first = try TestServer.start(handler: testRoutes)
        let second = HTTPServer(configuration: TestServer.configuration { $0.port = first.port }, handler: testRoutes)
        #expect(throws: HTTPServerError.addressInUse(host: "127.0.0.1", port: first.port)) { try second.start() }
        do {
            try second.start()
        } catch {
            #expect(error.description.contains("port \(first.port) on 127.0.0.1 is already in use"))
        }
        #expect(throws: HTTPServerError.invalidHost("example.com")) {
            try HTTPServer(configuration: TestServer.configuration { $0.host = "example.com" }, handler: testRoutes)
                .start()
        }
        await first.shutDown(gracePeriod: .seconds(5))
    }
}
