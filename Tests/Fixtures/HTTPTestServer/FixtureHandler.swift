import LivePageHTTP
import Synchronization

/// The fixture's routes:
/// - `/hello`: `200` with `hello`;
/// - `/echo`: `200` with the request body;
/// - `/park`: held until the connection goes away or shutdown begins (then `503`);
/// - `/stats`: `{"parked":N,"open":N,"accepted":N,"acceptPauses":N}`.
final class FixtureHandler: HTTPHandler {
    private struct Parking {
        var responders: [ObjectIdentifier: HTTPResponder] = [:]
        var shuttingDown = false
    }

    private let parking = Mutex(Parking())
    private let server = Mutex<HTTPServer?>(nil)

    /// Lets `/stats` read the server's metrics.
    func attach(_ server: HTTPServer) {
        self.server.withLock { $0 = server }
    }

    func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        switch request.path {
        case "/hello":
            responder.respond(HTTPResponse(body: "hello"))
        case "/echo":
            responder.respond(HTTPResponse(headers: ["Content-Type": "application/octet-stream"], body: request.body))
        case "/park":
            park(responder)
        case "/stats":
            let parked = parking.withLock { $0.responders.count }
            let metrics = server.withLock { $0?.metrics } ?? HTTPServerMetrics()
            let json =
                #"{"parked":\#(parked),"open":\#(metrics.connectionsOpen),"#
                + #""accepted":\#(metrics.connectionsAccepted),"acceptPauses":\#(metrics.acceptPauses)}"#
            responder.respond(HTTPResponse(contentType: "application/json", body: json))
        default:
            responder.respond(.jsonError(.notFound, "There is nothing at \(request.path)."))
        }
    }

    private func park(_ responder: HTTPResponder) {
        let key = ObjectIdentifier(responder)
        let refused = parking.withLock { parking -> Bool in
            guard !parking.shuttingDown else { return true }
            parking.responders[key] = responder
            return false
        }
        if refused {
            responder.respond(.jsonError(.serviceUnavailable, "The server is shutting down."))
            return
        }
        responder.onCancel { [self] in
            _ = self.parking.withLock { $0.responders.removeValue(forKey: key) }
        }
    }

    func serverWillShutDown() {
        let held = parking.withLock { parking -> [HTTPResponder] in
            parking.shuttingDown = true
            defer { parking.responders = [:] }
            return Array(parking.responders.values)
        }
        for responder in held {
            responder.respond(.jsonError(.serviceUnavailable, "The server is shutting down."))
        }
    }
}
