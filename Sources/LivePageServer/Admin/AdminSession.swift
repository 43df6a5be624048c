/// The admin page's sign-in: which keys open it, and the cookie that keeps it open.
///
/// A browser cannot send `Authorization: Bearer` when it navigates, and a key in the URL
/// would land in history, logs and `Referer`. So the page asks for the key in a form that
/// is POSTed once; the answer sets a cookie holding an expiry and the HMAC-SHA256 of it
/// under the key that was given (`v1.<expiry>.<hex>`), `HttpOnly` (no script reads it),
/// `SameSite=Strict` (no other site's page sends it), scoped to the admin path, and
/// `Secure` when the public origin is `https`. The server keeps no session: a cookie is
/// checked by recomputing its code under each key, in constant time, so it stops working
/// when it expires or when its key is no longer configured.
struct AdminSession: Sendable {
    /// The name of the cookie.
    static let cookieName = "livepage_admin"
    /// How long a sign-in lasts, in seconds (12 hours).
    static let lifetime = 12 * 3600

    /// The keys that open the page: the admin keys, then the publish keys.
    let keys: [[UInt8]]
    /// The path the cookie is sent to: the admin page's.
    let path: String
    /// Whether the cookie is `Secure` (the public origin is `https`).
    let isSecure: Bool

    /// Whether any key opens the page; without one it is disabled.
    var isEnabled: Bool { !keys.isEmpty }

    /// The key among ``keys`` equal to `given`, compared in constant time with every key.
    func key(matching given: [UInt8]) -> [UInt8]? {
        var matched: [UInt8]?
        for key in keys where ConstantTime.equal(given, key) {
            matched = key
        }
        return matched
    }

    /// The `Set-Cookie` value signing the page in with `key` until `now` plus ``lifetime``.
    func cookie(signedWith key: [UInt8], now: Int) -> String {
        let expiry = now + Self.lifetime
        return "\(Self.cookieName)=v1.\(expiry).\(Self.hex(Self.code(expiry: expiry, key: key))); "
            + attributes(maxAge: Self.lifetime)
    }

    /// The `Set-Cookie` value that signs the page out.
    var expiredCookie: String { "\(Self.cookieName)=; " + attributes(maxAge: 0) }

    /// Whether the request's `Cookie` header holds a valid, unexpired sign-in at `now`.
    func isSignedIn(cookieHeader: String?, now: Int) -> Bool {
        guard let value = Self.value(of: Self.cookieName, in: cookieHeader) else { return false }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", parts[1].utf8.count <= 12, let expiry = Int(parts[1]),
            expiry > now, expiry <= now + Self.lifetime, parts[2].utf8.count == 64
        else { return false }
        var valid = false
        for key in keys where ConstantTime.equal(parts[2].utf8, Self.hex(Self.code(expiry: expiry, key: key)).utf8) {
            valid = true
        }
        return valid
    }

    private func attributes(maxAge: Int) -> String {
        "Path=\(path); Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (isSecure ? "; Secure" : "")
    }

    /// The code a cookie carries for `expiry` under `key`.
    private static func code(expiry: Int, key: [UInt8]) -> [UInt8] {
        HMAC.authenticationCode(for: Array("livepage-admin-session:v1:\(expiry)".utf8), key: key)
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// The value of the cookie `name` in a `Cookie` header (`a=1; b=2`), if it is there once.
    static func value(of name: String, in header: String?) -> Substring? {
        guard let header else { return nil }
        var found: Substring?
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " || $0 == "\t" }
            guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == name else { continue }
            guard found == nil else { return nil }
            found = trimmed[trimmed.index(after: equals)...]
        }
        return found
    }
}
