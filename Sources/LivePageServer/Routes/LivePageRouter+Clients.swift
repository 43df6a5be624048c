import Glibc
import LivePage
import LivePageEvents
import LivePageHTTP
import Synchronization

extension LivePageRouter {
    /// `POST /clients`: registers a client, in open or token mode.
    func register(_ request: HTTPRequest) throws(RouteError) -> HTTPResponse {
        guard !isShuttingDown.load(ordering: .relaxed) else { throw .shuttingDown }
        let body = try Self.jsonObject(of: request)
        guard case .string(let location)? = body["location"] else {
            throw .badRequest(body["location"] == nil ? "The field 'location' is required." : "The field 'location' must be a string.")
        }
        let presence: PresenceMode
        switch body["presence"] {
        case nil, .null?: presence = .none
        case .string(let mode)?:
            guard let mode = PresenceMode(rawValue: mode) else {
                throw .badRequest("The field 'presence' must be \"none\", \"list\" or \"count\".")
            }
            presence = mode
        default: throw .badRequest("The field 'presence' must be \"none\", \"list\" or \"count\".")
        }
        // Only the admin page's own route registers there (`LivePageRouter+Admin.swift`).
        guard !location.utf8.elementsEqual(admin.location.utf8) else { throw Self.reservedLocation }
        let (principal, meta) = try registrant(of: request, body: body, at: location)
        let registration: Registration
        do {
            registration = try manager.register(at: location, principal: principal, presence: presence, meta: meta)
        } catch {
            throw RouteError(error)
        }
        return Self.json(
            status: .created,
            [
                "client": .string(registration.client.id.description),
                "location": .string(location),
                "principal": principal.map { .string($0) } ?? .null,
                "refresh": .number(JSONNumber(registration.refresh)),
                "protocol": 1,
                "epoch": .string(epoch),
                "after": 0,
            ])
    }

    /// The principal a registration is for: as given in open mode; from a verified
    /// token in token mode, where a `principal` field is refused.
    func principal(registering body: JSONObject, at location: String) throws(RouteError) -> String? {
        guard let tokenSecret else {
            guard body["token"] == nil else {
                throw .badRequest("This server runs in open mode and cannot verify tokens; send 'principal' instead.")
            }
            switch body["principal"] {
            case nil, .null?: return nil
            case .string(let principal)?: return principal
            default: throw .badRequest("The field 'principal' must be a string or null.")
            }
        }
        guard body["principal"] == nil else {
            throw .badRequest("This server runs in token mode: the principal comes from the token, not a 'principal' field.")
        }
        guard case .string(let token)? = body["token"] else {
            throw .badRequest("This server runs in token mode: the field 'token' (a JWT) is required.")
        }
        return try principal(fromToken: token, secret: tokenSecret, at: location)
    }

    /// Who a demo page is for: the `name` query parameter in open mode; in token mode,
    /// the subject of the `token` query parameter, verified as a registration's is.
    func demoVisitor(_ request: HTTPRequest) throws(RouteError) -> DemoPages.Visitor {
        guard let tokenSecret else {
            return .open(name: try FormDecoder.queryValue("name", in: request.query).flatMap { $0.isEmpty ? nil : $0 })
        }
        guard let token = try FormDecoder.queryValue("token", in: request.query), !token.isEmpty else { return .needsToken }
        let location = DemoPage(path: request.path)?.location ?? request.path
        return .token(principal: try principal(fromToken: token, secret: tokenSecret, at: location))
    }

    /// The subject of `token` once verified with `secret` for `location`.
    func principal(fromToken token: String, secret tokenSecret: [UInt8], at location: String) throws(RouteError) -> String {
        try claims(ofToken: token, secret: tokenSecret, at: location).subject
    }

    /// The claims of `token` once verified with `secret` for `location`.
    func claims(ofToken token: String, secret tokenSecret: [UInt8], at location: String) throws(RouteError) -> TokenClaims {
        let claims: TokenClaims
        do {
            claims = try JSONWebToken.verify(token, secret: tokenSecret, now: time(nil))
        } catch {
            throw RouteError(.forbidden, "The token was refused: \(error)")
        }
        // Byte for byte: String equality would let a token for "/Kevin" admit "/\u{212A}evin".
        if let tokenLocation = claims.location, !tokenLocation.utf8.elementsEqual(location.utf8) {
            throw RouteError(.forbidden, "The token is for another location.")
        }
        return claims
    }

    /// `GET /clients/{id}/output?after={seq}`: the long-poll. Answers at once or parks
    /// as a callback; a parked poll whose connection goes away is forgotten. `cors` is the
    /// allowed foreign origin to name in the answer, if any.
    func output(_ request: HTTPRequest, id: ClientID?, cors: String?, responder: HTTPResponder) {
        guard let id else {
            responder.respond(Self.addingCORS(cors, to: RouteError.gone(.unknown).response()))
            return
        }
        let output = ParkedOutput(responder: responder, cors: cors, router: self, client: id)
        let after: UInt64
        do {
            after = try Self.afterParameter(of: request.head)
        } catch {
            output.fail(error.response())
            return
        }
        do {
            switch try manager.poll(id, after: after, waiter: { output.answer($0) }) {
            case .answered(let answer): output.answer(answer)
            case .parked(let ticket): output.parked(ticket)
            }
        } catch {
            output.fail(RouteError(error).response())
        }
    }

    /// The largest `after` accepted: 2^53 - 1, the largest integer JavaScript counts exactly.
    static let maximumAfter: UInt64 = (1 << 53) - 1

    /// The `after` query parameter of `head`: digits only, at most 2^53-1, 0 when absent.
    /// A query that is exactly `after=<digits>` (as `livepage.js` and `livepage-bench` send
    /// it) is read from the target's bytes in place; any other goes to the strict form
    /// decoder.
    static func afterParameter(of head: HTTPRequestHead) throws(RouteError) -> UInt64 {
        if let after = head.withQueryBytes({ $0.flatMap(plainAfter) }) { return after }
        return try afterParameter(in: head.query)
    }

    /// The `after` query parameter: digits only, at most 2^53-1, 0 when absent.
    static func afterParameter(in query: String?) throws(RouteError) -> UInt64 {
        guard let text = try FormDecoder.queryValue("after", in: query) else { return 0 }
        guard !text.isEmpty, text.utf8.count <= 16, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let after = UInt64(text), after <= maximumAfter
        else {
            throw .badRequest("The parameter 'after' must be a number of at most 16 digits, up to 2^53-1.")
        }
        return after
    }

    /// The value of a query that is exactly `after=<1 to 16 digits>`, at most 2^53-1; `nil`
    /// for any other query, which the strict form decoder then reads.
    private static func plainAfter(_ query: UnsafeBufferPointer<UInt8>) -> UInt64? {
        // A literal's bytes: comparing with `"after=".utf8` walked a String on every poll.
        let name: StaticString = "after="
        let length = name.utf8CodeUnitCount
        guard query.count > length, query.count <= length + 16,
            UnsafeBufferPointer(rebasing: query[..<length]).elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: length))
        else { return nil }
        var value: UInt64 = 0
        for byte in query[length...] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        return value <= maximumAfter ? value : nil
    }

    /// The HTTP answer of an output answer.
    static func response(for answer: OutputAnswer) -> HTTPResponse {
        switch answer {
        case .events(let batch): HTTPResponse(status: .ok, headers: RouteError.apiHeaders, body: batch.jsonBytes())
        case .superseded: RouteError(ManagerError.superseded).response()
        case .gone(let reason): RouteError.gone(reason).response()
        case .shuttingDown: RouteError.shuttingDown.response()
        case .unavailable: RouteError(ManagerError.unavailable).response()
        }
    }

    /// `POST /clients/{id}/close`: removes the client at once. `204` whatever the id,
    /// so the answer says nothing about which ids exist.
    func close(_ request: HTTPRequest, id: ClientID?) throws(RouteError) -> HTTPResponse {
        if let id { manager.close(id) }
        return HTTPResponse(status: .noContent, headers: ["Cache-Control": "no-store"])
    }

    /// `GET /clients/{id}/online`: who is online at the client's location.
    func online(id: ClientID?) throws(RouteError) -> HTTPResponse {
        guard let id else { throw .gone(.unknown) }
        guard let client = manager.client(id) else { throw .gone(manager.goneReason(for: id)) }
        return Self.json(Self.onlineJSON(manager.online(at: client.location)))
    }

    /// The JSON of who is online.
    static func onlineJSON(_ online: Online) -> JSONObject {
        var json: JSONObject = [
            "location": .string(online.location),
            "principals": .array(online.principals.map { .string($0) }),
            "count": .number(JSONNumber(online.count)),
            "anonymous": .number(JSONNumber(online.anonymous)),
        ]
        // Above the presence list limit the list is left out, as for `list` clients.
        if !online.isListed { json["listed"] = .bool(false) }
        return json
    }
}
