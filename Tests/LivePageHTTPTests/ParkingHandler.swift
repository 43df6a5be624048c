import Synchronization

@testable import LivePageHTTP

/// An `HTTPHandler` that parks every request on `/park` and answers others at once, for
/// tests of cancellation, shutdown and responses from other threads.
final class ParkingHandler: HTTPHandler {
    private let parked = Mutex<[HTTPResponder]>([])
    let cancellations = Counter()
    let answerOnShutdown: Bool

    init(answerOnShutdown: Bool = true) {
        self.answerOnShutdown = answerOnShutdown
    }

    var parkedCount: Int { parked.withLock { $0.count } }

    func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        guard request.path == "/park" else {
            responder.respond(HTTPResponse(body: "now"))
            return
        }
        parked.withLock { $0.append(responder) }
        responder.onCancel { [cancellations] in cancellations.increment() }
    }

    /// Takes every parked responder.
    func takeParked() -> [HTTPResponder] {
        parked.withLock { parked in
            defer { parked = [] }
            return parked
        }
    }

    func serverWillShutDown() {
        guard answerOnShutdown else { return }
        for responder in takeParked() {
            responder.respond(.jsonError(.serviceUnavailable, "The server is shutting down."))
        }
    }
}
