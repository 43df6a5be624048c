import LivePageHTTP

/// The PROTOCOL.md route a request path names, found without allocating for the hot
/// output route.
enum Route: Equatable {
    case register
    case output(Substring)
    case input(Substring)
    case close(Substring)
    case online(Substring)
    case publish
    case disconnect
    case presence
    case script
    case health
    case metrics
    case demo(DemoPage)
    /// A path outside the prefix: the application's own page, if it serves any.
    case page
    case notFound

    /// The route of `path`, with LivePage's routes under `prefix` (the prefix itself, or
    /// below it: `/livepage-about` is not under `/livepage`).
    init(path: String, prefix: String, servesDemo: Bool) {
        guard path.hasPrefix(prefix), path.utf8.count == prefix.utf8.count || path.utf8.dropFirst(prefix.utf8.count).first == UInt8(ascii: "/") else {
            self = servesDemo ? DemoPage(path: path).map(Route.demo) ?? .page : .page
            return
        }
        let rest = path.utf8.dropFirst(prefix.utf8.count)
        switch Substring(rest) {
        case "/clients": self = .register
        case "/publish": self = .publish
        case "/disconnect": self = .disconnect
        case "/presence": self = .presence
        case "/livepage.js": self = .script
        case "/health": self = .health
        case "/metrics": self = .metrics
        case let rest where rest.hasPrefix("/clients/"):
            let parts = rest.dropFirst("/clients/".count).split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                self = .notFound
                return
            }
            switch parts[1] {
            case "output": self = .output(parts[0])
            case "input": self = .input(parts[0])
            case "close": self = .close(parts[0])
            case "online": self = .online(parts[0])
            default: self = .notFound
            }
        default: self = .notFound
        }
    }

    /// The methods the route takes (`HEAD` goes with `GET`); others are `405`.
    var methods: [HTTPMethod] {
        switch self {
        case .register, .input, .close, .publish, .disconnect: [.post]
        case .output, .online, .presence, .script, .health, .metrics, .demo: [.get, .head]
        case .page, .notFound: []
        }
    }

    /// Whether a browser page posts to the route, so that it is Origin-checked and
    /// answers CORS preflight requests.
    var isBrowserPost: Bool {
        switch self {
        case .input, .close, .register: true
        default: false
        }
    }
}
