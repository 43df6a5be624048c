import LivePage
import LivePageEvents
import LivePageHTTP
import Synchronization

extension LivePageRouter {
    /// `POST /clients/{id}/input` with an input webhook: the fields go to the backend
    /// (``InputWebhook``), and the page is answered once it has answered. Runs on the
    /// loop that read the request, without a task: the call starts here and its answer
    /// is carried out on the loop that read it.
    func inputThroughWebhook(_ webhook: InputWebhook, _ request: HTTPRequest, id: ClientID?, cors: String?, responder: HTTPResponder) {
        let sender: ClientInfo
        let fields: EventFields
        do {
            guard !isShuttingDown.load(ordering: .relaxed) else { throw RouteError.shuttingDown }
            guard let id else { throw RouteError.gone(.unknown) }
            guard let client = manager.client(id) else { throw RouteError.gone(manager.goneReason(for: id)) }
            sender = client
            fields = try Self.inputFields(of: request)
        } catch {
            responder.respond(Self.addingCORS(cors, to: Self.errorResponse(error, log: configuration.log)))
            return
        }
        webhook.forward(fields, from: sender) { result in
            switch result {
            case .success(let delivered):
                responder.respond(Self.addingCORS(cors, to: Self.json(["delivered": .number(JSONNumber(delivered))])))
            case .failure(let error):
                responder.respond(Self.addingCORS(cors, to: error.response()))
            }
        }
    }
}
