import LivePage
import LivePageEvents
import LivePageHTTP
import Synchronization

extension LivePageRouter {
    /// A publish, read and checked: what to send, to whom, and its `id` if it has one.
    struct Publication: Sendable {
        let events: [EncodedEvent]
        let audience: Audience
        let id: String?
    }

    /// `POST /publish`: a backend sends trusted events to an audience. Checked on the
    /// event-loop thread; sent from there too, without a task, unless an `id` asks for
    /// deduplication (a large audience is delivered in slices, and answered when done).
    func publish(_ request: HTTPRequest, responder: HTTPResponder) {
        let publication: Publication
        do {
            publication = try readPublication(request)
            if publication.id == nil {
                try manager.send(encoded: publication.events, to: publication.audience) { [log = configuration.log] result in
                    switch result {
                    case .success(let delivered): responder.respond(Self.json(["delivered": .number(JSONNumber(delivered))]))
                    case .failure(let error): responder.respond(Self.errorResponse(error, log: log))
                    }
                }
                return
            }
        } catch {
            responder.respond(Self.errorResponse(error, log: configuration.log))
            return
        }
        respondInTask(responder) { try await self.send(publication) }
    }

    /// Sends a publication through the bus, once per `id` within the deduplication window.
    private func send(_ publication: Publication) async throws -> HTTPResponse {
        let send = { @Sendable [manager] () async throws -> HTTPResponse in
            let delivered = try await manager.send(encoded: publication.events, to: publication.audience)
            return Self.json(["delivered": .number(JSONNumber(delivered))])
        }
        guard let id = publication.id else { return try await send() }
        return try await deduplicator.response(for: id, send)
    }

    /// Reads a publish body: `to`, a non-empty `events` array built by the registry's
    /// publisher path (HTML trusted), and an optional `id` of 1 to 128 bytes.
    private func readPublication(_ request: HTTPRequest) throws(RouteError) -> Publication {
        try authorizePublisher(request)
        guard !isShuttingDown.load(ordering: .relaxed) else { throw RouteError.shuttingDown }
        let body = try Self.jsonObject(of: request)
        let audience = try Audience(json: body["to"])
        guard case .array(let list)? = body["events"], !list.isEmpty else {
            throw RouteError.badRequest("The field 'events' must be a non-empty array of events.")
        }
        var events: [EncodedEvent] = []
        events.reserveCapacity(list.count)
        for (index, value) in list.enumerated() {
            guard let object = value.objectValue else { throw RouteError.badRequest("events[\(index)] must be an object.") }
            do {
                events.append(EncodedEvent(try manager.registry.event(fromPublisher: try EventFields(json: object, isTrusted: true))))
            } catch {
                throw RouteError.badRequest("events[\(index)]: \(error)")
            }
        }
        switch body["id"] {
        case nil, .null?:
            return Publication(events: events, audience: audience, id: nil)
        case .string(let id)? where !id.isEmpty && id.utf8.count <= 128:
            return Publication(events: events, audience: audience, id: id)
        default:
            throw RouteError.badRequest("The field 'id' must be a string of 1 to 128 bytes.")
        }
    }

    /// `POST /disconnect`: a backend removes the clients of an audience.
    func disconnect(_ request: HTTPRequest) async throws -> HTTPResponse {
        try authorizePublisher(request)
        guard !isShuttingDown.load(ordering: .relaxed) else { throw RouteError.shuttingDown }
        let audience = try Audience(json: try Self.jsonObject(of: request)["to"])
        let count = try await manager.disconnect(audience)
        return Self.json(["disconnected": .number(JSONNumber(count))])
    }

    /// `GET /presence?location=...`: who is online, for a backend.
    func presence(_ request: HTTPRequest) throws(RouteError) -> HTTPResponse {
        try authorizePublisher(request)
        guard let location = try FormDecoder.queryValue("location", in: request.query), !location.isEmpty else {
            throw .badRequest("The query parameter 'location' is required.")
        }
        return Self.json(Self.onlineJSON(manager.online(at: location)))
    }

    /// Checks `Authorization: Bearer <key>` against every configured key in constant
    /// time: `404` when publishing is disabled, `401` for a missing or wrong key.
    func authorizePublisher(_ request: HTTPRequest) throws(RouteError) {
        guard !publishKeys.isEmpty else {
            throw RouteError(.notFound, "Publishing is disabled: the server has no publish key configured.")
        }
        let unauthorized = RouteError(
            .unauthorized,
            "A valid publish key is required as 'Authorization: Bearer <key>'.",
            headers: ["WWW-Authenticate": "Bearer"]
        )
        // The scheme is case-insensitive (RFC 9110); the key after it is compared exactly.
        guard let authorization = request.headers["Authorization"],
            authorization.utf8.count > 7, authorization.utf8.prefix(7).map({ $0 | 0x20 }).elementsEqual("bearer ".utf8)
        else {
            throw unauthorized
        }
        let given = Array(authorization.utf8.dropFirst(7))
        var matched = false
        for key in publishKeys where ConstantTime.equal(given, key) {
            matched = true
        }
        guard matched else { throw unauthorized }
    }
}
