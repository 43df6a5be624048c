import LivePage
import LivePageHTTP
import Synchronization

/// A long-poll's way back to its page: the responder that answers it, the foreign origin to
/// name in the answer, and the poll to forget if the connection goes away.
///
/// One object per poll, so that the waiter given to the manager and the cancel action given
/// to the responder each capture only it: a closure that captures a single object uses that
/// object as its context, where a closure capturing several values gets a context allocated
/// of its own. That saves one of the two allocations per parked poll, and this object
/// (72 bytes) is smaller than the two contexts were together (40 and 48).
///
/// It reaches the manager through the router rather than holding it: the manager is
/// referenced weakly by its timers, so its reference count lives in a side table and every
/// retain and release of it takes the runtime's slow path, two per poll. The router has no
/// weak references, and lives as long as the manager.
final class ParkedOutput: Sendable {
    private let responder: HTTPResponder
    private let cors: String?
    private let router: LivePageRouter
    /// The client polling.
    private let client: ClientID
    /// The number of the parked poll's ticket, once the manager has parked it; 0 (which no
    /// ticket has) while it is being asked or when it was answered at once.
    private let ticket = Atomic<UInt64>(0)

    init(responder: HTTPResponder, cors: String?, router: LivePageRouter, client: ClientID) {
        self.responder = responder
        self.cors = cors
        self.router = router
        self.client = client
    }

    /// Answers the poll with `answer`; only the first answer has an effect.
    func answer(_ answer: OutputAnswer) {
        responder.respond(LivePageRouter.addingCORS(cors, to: LivePageRouter.response(for: answer)))
    }

    /// Answers the poll with an error response.
    func fail(_ response: HTTPResponse) {
        responder.respond(LivePageRouter.addingCORS(cors, to: response))
    }

    /// Remembers that the manager parked the poll as `parked`, and forgets it there if the
    /// connection goes away before it is answered.
    func parked(_ parked: ClientManager.PollTicket) {
        ticket.store(parked.number, ordering: .releasing)
        responder.onCancel { self.cancel() }
    }

    /// Forgets the parked poll in the manager: its connection went away.
    private func cancel() {
        let number = ticket.load(ordering: .acquiring)
        guard number != 0 else { return }
        router.manager.cancelPoll(ClientManager.PollTicket(client: client, number: number))
    }
}
