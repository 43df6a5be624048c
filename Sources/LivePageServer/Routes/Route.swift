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
    ///
    /// Every request goes through here, so it compares UTF-8 bytes: a `String` split or
    /// comparison would walk grapheme clusters.
    init(path: String, prefix: String, servesDemo: Bool) {
        let bytes = path.utf8
        let prefixBytes = prefix.utf8
        guard bytes.starts(with: prefixBytes) else {
            self = servesDemo ? DemoPage(path: path).map(Route.demo) ?? .page : .page
            return
        }
        let rest = bytes[bytes.index(bytes.startIndex, offsetBy: prefixBytes.count)...]
        guard rest.isEmpty || rest.first == UInt8(ascii: "/") else {
            self = servesDemo ? DemoPage(path: path).map(Route.demo) ?? .page : .page
            return
        }
        if let route = Self.fixed.first(where: { rest.elementsEqual($0.path) })?.route {
            self = route
            return
        }
        let clients = "/clients/".utf8
        guard rest.starts(with: clients) else {
            self = .notFound
            return
        }
        let tail = rest.dropFirst(clients.count)
        guard let slash = tail.firstIndex(of: UInt8(ascii: "/")) else {
            self = .notFound
            return
        }
        let id = Substring(tail[..<slash])
        let action = tail[tail.index(after: slash)...]
        switch action.count {
        case 6 where action.elementsEqual("output".utf8): self = .output(id)
        case 5 where action.elementsEqual("input".utf8): self = .input(id)
        case 5 where action.elementsEqual("close".utf8): self = .close(id)
        case 6 where action.elementsEqual("online".utf8): self = .online(id)
        default: self = .notFound
        }
    }

    /// The routes with no parameter, by the path below the prefix.
    private static let fixed: [(path: String.UTF8View, route: Route)] = [
        ("/clients".utf8, .register), ("/publish".utf8, .publish), ("/disconnect".utf8, .disconnect),
        ("/presence".utf8, .presence), ("/livepage.js".utf8, .script), ("/health".utf8, .health),
        ("/metrics".utf8, .metrics),
    ]

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
