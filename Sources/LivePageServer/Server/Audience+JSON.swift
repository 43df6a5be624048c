public import LivePage
public import LivePageEvents

extension Audience {
    /// The audience a publish, a disconnect or a bus message names in its `to` object:
    /// exactly one of `location`, `principal`, `client` (an id) or `all: true`, and
    /// optionally `except` (a client id).
    /// - Throws: ``RouteError`` (400) naming what is wrong.
    public init(json to: JSONValue?) throws(RouteError) {
        guard let to = to?.objectValue else {
            throw .badRequest("The field 'to' must be an object naming the audience.")
        }
        var target: Target?
        var excluded: ClientID?
        for (key, value) in to {
            let named: Target
            switch (key, value) {
            case ("location", .string(let location)) where !location.isEmpty: named = .location(location)
            case ("principal", .string(let principal)) where !principal.isEmpty: named = .principal(principal)
            case ("client", .string(let text)):
                guard let id = ClientID(text) else { throw .badRequest("to.client must be a client id.") }
                named = .client(id)
            case ("all", .bool(true)): named = .everyone
            case ("except", .string(let text)):
                guard let id = ClientID(text) else { throw .badRequest("to.except must be a client id.") }
                excluded = id
                continue
            case ("location", _), ("principal", _): throw .badRequest("to.\(key) must be a non-empty string.")
            case ("client", _), ("except", _): throw .badRequest("to.\(key) must be a client id.")
            case ("all", _): throw .badRequest("to.all must be true.")
            default: throw .badRequest("'to' has a field that is not an audience; use location, principal, client, all or except.")
            }
            guard target == nil else {
                throw .badRequest("'to' must name exactly one of location, principal, client or all.")
            }
            target = named
        }
        guard let target else { throw .badRequest("'to' must name exactly one of location, principal, client or all.") }
        self.init(target, excluding: excluded)
    }

    /// The audience as the `to` object ``init(json:)`` reads.
    public var json: JSONObject {
        var to: JSONObject
        switch target {
        case .location(let location): to = ["location": .string(location)]
        case .principal(let principal): to = ["principal": .string(principal)]
        case .client(let id): to = ["client": .string(id.description)]
        case .everyone: to = ["all": true]
        }
        if let excluded { to["except"] = .string(excluded.description) }
        return to
    }
}
