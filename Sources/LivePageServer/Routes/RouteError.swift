import LivePage
import LivePageEvents
public import LivePageHTTP

/// A LivePage route's refusal: a status, one clear sentence, and what PROTOCOL.md adds
/// for some statuses (`reason` for `410` and a refused origin's `403`, `Retry-After` for
/// `429` and `503`, `Allow` for `405`). It renders itself as the JSON error body every
/// error response carries.
public struct RouteError: Error, HTTPResponseError, Sendable {
    /// The status.
    public let status: HTTPStatus
    /// One sentence a user can act on. Never holds a client id or a token.
    public let message: String
    /// The `reason` field: why a `410`'s client is gone, or `origin` for a `403` refusing a
    /// page of a foreign origin.
    public let reason: String?
    /// Headers the status needs (`Retry-After`, `Allow`, `WWW-Authenticate`).
    public let headers: HTTPHeaders

    /// A refusal with `status` and `message`.
    public init(_ status: HTTPStatus, _ message: String, reason: String? = nil, headers: HTTPHeaders = [:]) {
        self.status = status
        self.message = message
        self.reason = reason
        self.headers = headers
    }

    /// `{"error": message, "reason": reason}` with the status and headers.
    ///
    /// Plain JSON, as every API answer: the body is `application/json` with `nosniff`,
    /// never inline script, so `'Authorization: Bearer <key>'` reads as written rather
    /// than as `\u003ckey\u003e` (PROTOCOL.md, at the top).
    public func response() -> HTTPResponse {
        var body: JSONObject = ["error": .string(message)]
        if let reason { body["reason"] = .string(reason) }
        var headers = Self.apiHeaders
        for (name, value) in self.headers { headers.add(name: name, value: value) }
        return HTTPResponse(status: status, headers: headers, body: body.jsonBytes(htmlSafe: false))
    }

    /// The headers of every LivePage API answer: JSON, never cached, never buffered by a
    /// proxy.
    static let apiHeaders = HTTPHeaders([
        ("Content-Type", "application/json"),
        ("Cache-Control", "no-store"),
        ("X-Accel-Buffering", "no"),
    ]).prepared()

    /// `410` for a client that does not work, with its reason.
    static func gone(_ reason: ClientGoneReason) -> RouteError {
        let error = ManagerError.clientGone(reason)
        return RouteError(.gone, error.description, reason: reason.rawValue)
    }

    /// `503` while shutting down, with a `Retry-After` spread over a few seconds so that
    /// pages come back gradually.
    static var shuttingDown: RouteError {
        RouteError(.serviceUnavailable, ManagerError.shuttingDown.description, headers: ["Retry-After": spreadRetryAfter()])
    }

    /// A random `Retry-After` of 2 to 10 seconds.
    static func spreadRetryAfter() -> String { String(Int.random(in: 2...10)) }

    /// The answer PROTOCOL.md gives a manager error.
    init(_ error: ManagerError) {
        var headers: HTTPHeaders = [:]
        if error.isTemporary {
            headers.add(name: "Retry-After", value: error.status == 429 ? "10" : Self.spreadRetryAfter())
        }
        self.init(HTTPStatus(code: error.status), error.description, reason: error.goneReason?.rawValue, headers: headers)
    }

    /// `400` for a request body that is not what the route takes.
    static func badRequest(_ message: String) -> RouteError { RouteError(.badRequest, message) }
}
