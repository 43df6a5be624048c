import LivePage
import LivePageEvents
import LivePageHTTP
import Synchronization

extension LivePageRouter {
    /// `POST /clients/{id}/input`: a form or JSON object becomes an event through the
    /// registry, and the input handler routes it; or, with an input webhook, the
    /// backend decides (``InputWebhook``).
    func input(_ request: HTTPRequest, id text: Substring) async throws -> HTTPResponse {
        guard !isShuttingDown.load(ordering: .relaxed) else { throw RouteError.shuttingDown }
        guard let id = ClientID(text) else { throw RouteError.gone(.unknown) }
        guard manager.client(id) != nil else { throw RouteError.gone(manager.goneReason(for: id)) }
        let fields: EventFields
        switch Self.mediaType(of: request) {
        case "application/x-www-form-urlencoded":
            fields = try EventFields(form: try FormDecoder.decode(request.body))
        case "application/json":
            fields = try EventFields(json: try Self.jsonObject(of: request))
        default:
            throw RouteError(.unsupportedMediaType, "Input must be sent as application/x-www-form-urlencoded or application/json.")
        }
        if let webhook = webhooks.withLock({ $0.input }) {
            guard let sender = manager.client(id) else { throw RouteError.gone(manager.goneReason(for: id)) }
            return Self.json(["delivered": .number(JSONNumber(try await webhook.forward(fields, from: sender)))])
        }
        let delivered = try await manager.input(from: id, fields: fields)
        return Self.json(["delivered": .number(JSONNumber(delivered))])
    }
}
