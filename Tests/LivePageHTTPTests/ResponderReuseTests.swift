import LivePageTestSupport
import Synchronization
import Testing

@testable import LivePageHTTP

/// A connection reuses its responder once nothing else holds it; one still held stays
/// bound to the request it answered.
@Suite("Responder reuse", .timeLimit(.minutes(2)))
struct ResponderReuseTests {
    /// Keeps the responder of every request on `/keep`, and on every request first answers
    /// the kept ones again (which must have no effect), then the request itself.
    final class KeepingHandler: HTTPHandler {
        let kept = Mutex<[HTTPResponder]>([])

        func handle(_ request: HTTPRequest, responder: HTTPResponder) {
            for old in kept.withLock({ $0 }) { old.respond(HTTPResponse(body: "stale")) }
            if request.path == "/keep" { kept.withLock { $0.append(responder) } }
            responder.respond(HTTPResponse(body: "fresh \(request.query ?? "")"))
        }
    }

    @Test("A responder kept after its answer never answers a later request", .timeLimit(.minutes(2)))
    func keptResponderStaysBound() async throws {
        let handler = KeepingHandler()
        let server = try TestServer.start(handler: handler)
        let port = server.port
        try await BlockingThread.run {
            let client = try TestClient(port: port)
            for index in 0..<6 {
                let path = index % 2 == 0 ? "/keep" : "/other"
                try client.send("GET \(path)?\(index) HTTP/1.1\r\nHost: a\r\n\r\n")
                #expect(try client.readResponse().text == "fresh \(index)")
            }
            // Pipelined: each answer is the request's own, in order.
            try client.send("GET /other?a HTTP/1.1\r\nHost: a\r\n\r\nGET /keep?b HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try client.readResponse().text == "fresh a")
            #expect(try client.readResponse().text == "fresh b")
        }
        #expect(handler.kept.withLock { $0.count } == 4)
        #expect(handler.kept.withLock { Set($0.map(ObjectIdentifier.init)).count } == 4)
        await server.shutDown(gracePeriod: .seconds(5))
    }
}
