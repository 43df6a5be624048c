import LivePage
import LivePageEvents
import LivePageHTTP
import Synchronization

extension LivePageRouter {
    /// `POST /clients/{id}/input`: a form or JSON object becomes an event through the
    /// registry, and the input handler routes it. (With an input webhook the backend
    /// decides instead: ``inputThroughWebhook(_:_:id:cors:responder:)``.)
    func input(_ request: HTTPRequest, id: ClientID?) async throws -> HTTPResponse {
        guard !isShuttingDown.load(ordering: .relaxed) else { throw RouteError.shuttingDown }
        guard let id else { throw RouteError.gone(.unknown) }
        guard manager.client(id) != nil else { throw RouteError.gone(manager.goneReason(for: id)) }
        let fields = try Self.inputFields(of: request)
        let delivered = try await manager.input(from: id, fields: fields)
        return Self.json(["delivered": .number(JSONNumber(delivered))])
    }

    /// The fields of an input body: a form or a JSON object.
    static func inputFields(of request: HTTPRequest) throws -> EventFields {
        switch mediaType(of: request) {
        case "application/x-www-form-urlencoded":
            return try EventFields(form: try FormDecoder.decode(request.body))
        case "application/json":
            return try EventFields(json: try jsonObject(of: request))
        default:
            throw RouteError(.unsupportedMediaType, "Input must be sent as application/x-www-form-urlencoded or application/json.")
        }
    }
}
