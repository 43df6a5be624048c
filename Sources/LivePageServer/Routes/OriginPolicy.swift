import LivePageHTTP

/// Which origins may send input and close requests, which browsers send as POSTs that a
/// foreign page could otherwise forge (PROTOCOL.md, "Origin check").
struct OriginPolicy: Sendable {
    /// The configured public origin, if any; otherwise a request's own scheme and Host.
    let publicOrigin: String?
    /// Other origins allowed.
    let allowedOrigins: Set<String>

    /// Whether `request` may act: `Sec-Fetch-Site: same-origin` passes; otherwise an
    /// `Origin` that is the server's own or an allowed one; a request with neither
    /// header (not from a browser) passes; anything else, `null` included, does not.
    func permits(_ request: HTTPRequest) -> Bool {
        if request.headers["Sec-Fetch-Site"] == "same-origin" { return true }
        guard let origin = request.headers["Origin"] else { return true }
        return origin == ownOrigin(of: request) || allowedOrigins.contains(origin)
    }

    /// The allowed foreign origin of `request`, to be named in CORS answers; `nil` for
    /// same-origin and refused requests.
    func corsOrigin(of request: HTTPRequest) -> String? {
        guard let origin = request.headers["Origin"], allowedOrigins.contains(origin) else { return nil }
        return origin
    }

    private func ownOrigin(of request: HTTPRequest) -> String? {
        if let publicOrigin { return publicOrigin }
        return request.headers["Host"].map { "http://" + $0 }
    }
}
