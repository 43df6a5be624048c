/// A webhook's address: `http://HOST[:PORT]/PATH`, plain HTTP only.
///
/// LivePage speaks no TLS: keep the backend on loopback or a private network, or put a
/// TLS proxy in front of it and give LivePage the proxy's plain-HTTP side.
public struct WebhookURL: Sendable, Hashable, CustomStringConvertible {
    /// The host: an IP literal or a name (resolved once, at start).
    public let host: String
    /// The port, 80 unless given.
    public let port: Int
    /// The path with its query, `/` at least.
    public let path: String

    /// Parses `text`; `nil` unless it is `http://HOST[:PORT][/PATH]` without user
    /// information or fragment.
    public init?(_ text: String) {
        guard text.hasPrefix("http://") else { return nil }
        let rest = text.dropFirst(7)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        guard !authority.isEmpty, !authority.contains("@"), !path.contains("#"),
            path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        var host = String(authority)
        var port = 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Int(after.dropFirst()) else { return nil }
                port = number
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let number = Int(authority[authority.index(after: colon)...]) else { return nil }
            port = number
        }
        guard !host.isEmpty, (1...65535).contains(port) else { return nil }
        self.host = host
        self.port = port
        self.path = path
    }

    /// The URL as written back: `http://host:port/path`.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "http://\(shownHost):\(port)\(path)"
    }
}
