import LivePageEvents
import LivePageHTTP

/// Which origins may send input and close requests, which browsers send as POSTs that a
/// foreign page could otherwise forge (PROTOCOL.md, "Origin check").
struct OriginPolicy: Sendable {
    /// The configured public origin, if any; otherwise a request's own scheme and Host.
    let publicOrigin: String?
    /// Other origins allowed, compared byte for byte like every name in LivePage.
    let allowedOrigins: Set<ExactName>

    /// A policy for `publicOrigin` and the foreign `allowedOrigins`.
    init(publicOrigin: String?, allowedOrigins: [String]) {
        self.publicOrigin = publicOrigin
        self.allowedOrigins = Set(allowedOrigins.map(ExactName.init))
    }

    /// Whether `request` may act: `Sec-Fetch-Site: same-origin` passes; otherwise an
    /// `Origin` that is the server's own or an allowed one; a request with neither
    /// header (not from a browser) passes; anything else, `null` included, does not.
    func permits(_ request: HTTPRequest) -> Bool {
        if request.headers["Sec-Fetch-Site"] == "same-origin" { return true }
        guard let origin = request.headers["Origin"] else { return true }
        if let own = ownOrigin(of: request), origin.isSameBytes(as: own) { return true }
        return allowedOrigins.contains(ExactName(origin))
    }

    /// The allowed foreign origin of `request`, to be named in CORS answers; `nil` for
    /// same-origin and refused requests.
    func corsOrigin(of request: HTTPRequest) -> String? {
        guard let origin = request.headers["Origin"], allowedOrigins.contains(ExactName(origin)) else { return nil }
        return origin
    }

    private func ownOrigin(of request: HTTPRequest) -> String? {
        if let publicOrigin { return publicOrigin }
        return request.headers["Host"].map { "http://" + $0 }
    }
}
