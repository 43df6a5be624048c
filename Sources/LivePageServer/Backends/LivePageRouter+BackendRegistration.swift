import LivePage
import LivePageEvents
import LivePageHTTP

extension LivePageRouter {
    /// The largest `meta` a backend may give a client, in bytes of JSON.
    static let maximumMetaBytes = 1024

    /// Who a registration is for, and its meta:
    /// - with `Authorization: Bearer <publish key>`, a backend registers on behalf of a
    ///   user it has authenticated, in open and token mode alike: `principal` as given
    ///   (or none), and an optional `meta` object of at most 1 KiB;
    /// - otherwise as a page: open or token mode, no `meta` (in token mode a `name` claim
    ///   is the display name).
    /// - Throws: ``RouteError``: `401` for a wrong key, `400` for a `meta` that is not an
    ///   object of at most 1 KiB or that a page sent.
    func registrant(of request: HTTPRequest, body: JSONObject, at location: String) throws(RouteError) -> (String?, JSONObject?) {
        guard request.headers["Authorization"] != nil else {
            guard body["meta"] == nil else {
                throw .badRequest("Only a backend may set 'meta': it registers with 'Authorization: Bearer <publish key>'.")
            }
            if let tokenSecret, case .string(let token)? = body["token"], body["principal"] == nil {
                let claims = try claims(ofToken: token, secret: tokenSecret, at: location)
                let meta: JSONObject? = claims.name.flatMap { ClientManager.isDisplayName($0) ? ["name": .string($0)] : nil }
                return (claims.subject, meta)
            }
            return (try principal(registering: body, at: location), nil)
        }
        try authorizePublisher(request)
        guard body["token"] == nil else {
            throw .badRequest("A backend with the publish key names the 'principal' itself; leave out 'token'.")
        }
        let principal: String?
        switch body["principal"] {
        case nil, .null?: principal = nil
        case .string(let given)?: principal = given
        default: throw .badRequest("The field 'principal' must be a string or null.")
        }
        switch body["meta"] {
        case nil, .null?:
            return (principal, nil)
        case .object(let meta)?:
            guard meta.jsonBytes(htmlSafe: false).count <= Self.maximumMetaBytes else {
                throw .badRequest("The field 'meta' must be at most \(Self.maximumMetaBytes) bytes of JSON.")
            }
            if let name = meta["name"] {
                guard case .string(let text) = name, ClientManager.isDisplayName(text) else {
                    throw .badRequest("The field 'meta.name' must be a string of 1 to 128 bytes without control characters.")
                }
            }
            return (principal, meta)
        default:
            throw .badRequest("The field 'meta' must be a JSON object.")
        }
    }
}
