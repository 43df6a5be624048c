import Glibc
import LivePage
import LivePageEvents
import LivePageHTTP
import Synchronization

/// The admin page (SECURITY.md, "The admin page"): `GET /admin` shows it to a signed-in
/// browser, or the sign-in form (`401`) to any other; `POST /admin` signs in with the
/// form's `key` (an admin key or a publish key) or out with `logout`. The page itself is a
/// LivePage page: its client, registered at the reserved location `<prefix>/admin`, gets
/// the figures from ``AdminDashboard``.
extension LivePageRouter {
    /// `403` for a registration at the admin page's location, which only the admin route
    /// may register at: its figures (locations, counts) are for signed-in operators.
    static let reservedLocation = RouteError(
        .forbidden, "This location is reserved for the admin page, which registers its own clients."
    )

    /// `GET /admin` and `POST /admin`.
    func admin(_ request: HTTPRequest, origin: OriginDecision) throws(RouteError) -> HTTPResponse {
        guard adminSession.isEnabled else {
            throw RouteError(.notFound, "The admin page is disabled: the server has no admin key or publish key.")
        }
        let now = Int(time(nil))
        if request.method == .post { return try signIn(request, origin: origin, now: now) }
        guard adminSession.isSignedIn(cookieHeader: request.headers["Cookie"], now: now) else {
            return signInForm(status: .unauthorized, message: nil)
        }
        guard !isShuttingDown.load(ordering: .relaxed) else { throw .shuttingDown }
        let registration: Registration
        do {
            registration = try admin.register()
        } catch {
            throw RouteError(error)
        }
        let nonce = Self.nonce()
        let options = String(decoding: PageSession(registration: registration, prefix: configuration.prefix).startOptions.jsonBytes(), as: UTF8.self)
        let page = DemoPages.fill(
            "admin.html",
            [
                "NONCE": nonce, "PREFIX": HTML.escape(configuration.prefix), "ACTION": HTML.escape(adminSession.path), "OPTIONS": options,
            ])
        return Self.adminHTML(page, status: .ok, nonce: nonce)
    }

    /// `POST /admin`: only the page's own form may sign in (not another site's page, nor
    /// one of an allowed origin): a right key answers `303` to the page with the sign-in
    /// cookie, a wrong one the form again (`401`); `logout` clears the cookie.
    private func signIn(_ request: HTTPRequest, origin: OriginDecision, now: Int) throws(RouteError) -> HTTPResponse {
        switch origin {
        case .refused(let foreign): return refusal(of: foreign)
        case .permitted(.some): throw RouteError(.forbidden, "Only the admin page's own form may sign in.")
        case .permitted(nil): break
        }
        guard Self.mediaType(of: request) == "application/x-www-form-urlencoded" else {
            throw RouteError(.unsupportedMediaType, "Sign in with the admin page's form (application/x-www-form-urlencoded).")
        }
        let form = try FormDecoder.decode(request.body)
        let cookie: String
        if form.contains(where: { $0.name == "logout" }) {
            cookie = adminSession.expiredCookie
        } else {
            guard let given = form.first(where: { $0.name == "key" })?.value,
                let key = adminSession.key(matching: Array(given.utf8))
            else {
                return signInForm(status: .unauthorized, message: "That key does not open the admin page.")
            }
            cookie = adminSession.cookie(signedWith: key, now: now)
        }
        return HTTPResponse(
            status: HTTPStatus(code: 303),
            headers: [
                "Location": adminSession.path, "Set-Cookie": cookie, "Cache-Control": "no-store",
            ])
    }

    /// The sign-in form, with `message` (a sentence of ours) above it.
    private func signInForm(status: HTTPStatus, message: String?) -> HTTPResponse {
        let nonce = Self.nonce()
        let page = DemoPages.fill(
            "admin-login.html",
            [
                "NONCE": nonce, "ACTION": HTML.escape(adminSession.path),
                "MESSAGE": message.map { "<p class=\"error\" role=\"alert\">\(HTML.escape($0))</p>" } ?? "",
            ])
        var response = Self.adminHTML(page, status: status, nonce: nonce)
        if status == .unauthorized { response.headers.add(name: "WWW-Authenticate", value: "Bearer realm=\"LivePage admin\"") }
        return response
    }

    /// An admin HTML page: never cached, never framed, and under a policy that runs only
    /// the script and styles carrying this answer's `nonce` and `livepage.js`, and talks
    /// only to this origin.
    private static func adminHTML(_ text: String, status: HTTPStatus, nonce: String) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: [
                "Content-Type": "text/html; charset=utf-8",
                "Cache-Control": "no-store, private",
                "Content-Security-Policy": "default-src 'none'; script-src 'self' 'nonce-\(nonce)'; style-src 'nonce-\(nonce)'; "
                    + "connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
                "X-Frame-Options": "DENY",
                "Referrer-Policy": "no-referrer",
            ], body: Array(text.utf8))
    }

    /// A fresh CSP nonce: 128 random bits in hex.
    private static func nonce() -> String {
        var random = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let value = random.next() as UInt64
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }
}
