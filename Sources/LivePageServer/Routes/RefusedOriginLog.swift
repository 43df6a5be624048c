/// Which refusals of a foreign origin the server logs, and the line it writes.
///
/// A page of another origin that the server does not allow cannot read its answers, so
/// without a log line its operator sees only a page that never connects. So each refused
/// origin is named once, with the flag that allows it. An attacker can send any `Origin`
/// it likes, so the log is bounded: after ``limit`` distinct origins, at most one line per
/// ``interval``, and no more origins are remembered. A pure state machine over the times it
/// is given, tested without a clock.
struct RefusedOriginLog: Sendable {
    /// How many distinct origins get a line each (default 32).
    let limit: Int
    /// Beyond ``limit``, the shortest time between two lines (default 60 s).
    let interval: Duration
    /// The origins named so far, each at most ``longestOrigin`` bytes; at most ``limit``.
    private var named: Set<String> = []
    /// When the last line beyond ``limit`` was written.
    private var lastLineBeyondLimit: Duration?

    /// The longest origin written, in bytes; a longer one is cut (default 120).
    static let longestOrigin = 120

    /// A log naming at most `limit` origins, then one line per `interval`.
    init(limit: Int = 32, interval: Duration = .seconds(60)) {
        self.limit = limit
        self.interval = interval
    }

    /// The line to log for a request refused for `origin` at `now` (any monotonic time),
    /// or `nil` when nothing is to be logged.
    mutating func line(refusing origin: String, at now: Duration) -> String? {
        let shown = Self.printable(origin)
        guard !named.contains(shown) else { return nil }
        if named.count < limit {
            named.insert(shown)
            return Self.line(for: origin, shown: shown, note: "each refused origin is logged once")
        }
        if let last = lastLineBeyondLimit, now - last < interval { return nil }
        lastLineBeyondLimit = now
        let seconds = interval.components.seconds
        return Self.line(for: origin, shown: shown, note: "over \(limit) origins refused: one such line per \(seconds) s at most")
    }

    private static func line(for origin: String, shown: String, note: String) -> String {
        if OriginPolicy.isNameable(origin), origin != "null" {
            return "refused requests from pages of \(shown): start the server with --allowed-origin \(shown) "
                + "(or LIVEPAGE_ALLOWED_ORIGIN) to let them use LivePage (\(note))"
        }
        return "refused a request with Origin \"\(shown)\", which --allowed-origin cannot allow: a page opened from a file "
            + "or in a sandboxed frame sends \"null\"; serve it over http or https (\(note))"
    }

    /// `origin` with every byte outside printable ASCII as `?`, cut to ``longestOrigin``
    /// bytes: a request's header must not write control characters into the log.
    static func printable(_ origin: String) -> String {
        var bytes = origin.utf8.prefix(longestOrigin).map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }
        if origin.utf8.count > longestOrigin { bytes += "...".utf8 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
