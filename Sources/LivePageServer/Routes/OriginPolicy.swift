import LivePageEvents
import LivePageHTTP

/// What the Origin check decided for one request.
enum OriginDecision: Equatable {
    /// The request may act. `cors` is the allowed foreign origin to name in CORS answers,
    /// `nil` for a same-origin request or one not from a browser.
    case permitted(cors: String?)
    /// The request comes from a page of a foreign origin, `origin` as the browser sent it.
    case refused(origin: String)

    /// The allowed foreign origin to name in CORS answers, if any.
    var corsOrigin: String? {
        guard case .permitted(let cors) = self else { return nil }
        return cors
    }
}

/// Which origins may use a client's routes (PROTOCOL.md, "Origin check"): the browser
/// POSTs a foreign page could otherwise forge, and the reads it could not read anyway.
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

    /// Whether `request` may act: a request without `Origin` (not from a browser, or a
    /// browser's same-origin GET) passes; an `Origin` that is an allowed one, or the
    /// server's own, passes, and so does `Sec-Fetch-Site: same-origin`; anything else,
    /// `null` included, is refused.
    ///
    /// Every request comes through here, so the common one, without `Origin`, costs one
    /// header lookup.
    func decision(for request: HTTPRequest) -> OriginDecision {
        guard let origin = request.headers["Origin"] else { return .permitted(cors: nil) }
        if allowedOrigins.contains(ExactName(origin)) { return .permitted(cors: origin) }
        if request.headers["Sec-Fetch-Site"] == "same-origin" || ownOrigin(of: request).map(origin.isSameBytes) == true {
            return .permitted(cors: nil)
        }
        return .refused(origin: origin)
    }

    /// Whether a refused `origin` may be named in `Access-Control-Allow-Origin`, so that
    /// its page can read why it was refused: what a browser sends, `scheme://host[:port]`
    /// in printable ASCII or `null`, and never a value that could not be a header's.
    static func isNameable(_ origin: String) -> Bool {
        guard origin.utf8.count <= 300, origin.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return false }
        return origin == "null" || LivePageServer.Configuration.isOrigin(origin)
    }

    private func ownOrigin(of request: HTTPRequest) -> String? {
        if let publicOrigin { return publicOrigin }
        return request.headers["Host"].map { "http://" + $0 }
    }
}
