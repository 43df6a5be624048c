public import LivePageHTTP
import Synchronization

/// The response to a request sent to a ``LivePageTestServer``: there at once for most
/// routes, later for a parked poll or a route that awaits.
public final class PendingResponse: Sendable {
    private enum State {
        case waiting([CheckedContinuation<HTTPResponse, Never>])
        case answered(HTTPResponse)
    }

    private let state = Mutex(State.waiting([]))
    private let responder = Mutex<HTTPResponder?>(nil)

    init() {}

    /// Whether the routes have answered.
    public var isAnswered: Bool { answer != nil }

    /// The response, if the routes have answered; `nil` while the request is parked or
    /// its task runs.
    public var answer: HTTPResponse? {
        state.withLock { state in
            if case .answered(let response) = state { return response }
            return nil
        }
    }

    /// The response, once the routes answer.
    public var response: HTTPResponse {
        get async {
            await withCheckedContinuation { continuation in
                let answered = state.withLock { state -> HTTPResponse? in
                    switch state {
                    case .answered(let response):
                        return response
                    case .waiting(var waiters):
                        waiters.append(continuation)
                        state = .waiting(waiters)
                        return nil
                    }
                }
                if let answered { continuation.resume(returning: answered) }
            }
        }
    }

    /// Plays the client going away before the answer: the request is cancelled (a parked
    /// poll is forgotten, a route's task cancelled) and any later answer dropped.
    public func cancel() {
        responder.withLock { $0 }?.cancel()
    }

    /// Keeps the request's responder, for ``cancel()``.
    func track(_ responder: HTTPResponder) {
        self.responder.withLock { $0 = responder }
    }

    /// Takes the answer; only the first counts.
    func resolve(with response: HTTPResponse) {
        let waiters = state.withLock { state -> [CheckedContinuation<HTTPResponse, Never>] in
            guard case .waiting(let waiters) = state else { return [] }
            state = .answered(response)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: response) }
    }
}
