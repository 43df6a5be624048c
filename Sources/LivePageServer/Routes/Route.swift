import LivePageHTTP

/// The PROTOCOL.md route a request path names, found without allocating for the hot
/// output route.
enum Route: Equatable {
    case register
    /// `POST /poll`: one long-poll for several clients.
    case poll
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
    /// The admin page: its sign-in form, or the live figures (`LivePageRouter+Admin.swift`).
    case admin
    case demo(DemoPage)
    /// A path outside the prefix: the application's own page, if it serves any.
    case page
    case notFound

    /// The route of `path`, with LivePage's routes under `prefix` (the prefix itself, or
    /// below it: `/livepage-about` is not under `/livepage`).
    ///
    /// Every request goes through here, so it compares the path's UTF-8 bytes in place:
    /// splitting or comparing `String`s would walk grapheme clusters, and iterating a
    /// `UTF8View` generically costs several times more per byte.
    init(path: String, prefix: String, servesDemo: Bool) {
        var path = path
        let match = path.withUTF8 { path in
            var prefix = prefix
            return prefix.withUTF8 { prefix in Self.match(path, prefix: prefix) }
        }
        switch match {
        case .outside:
            self = servesDemo ? DemoPage(path: path).map(Route.demo) ?? .page : .page
        case .route(let route):
            self = route
        case .client(let start, let end, let action):
            let utf8 = path.utf8
            let id = Substring(utf8[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: end)])
            self = action(id)
        }
    }

    private enum Match {
        case outside
        case route(Route)
        case client(start: Int, end: Int, action: @Sendable (Substring) -> Route)
    }

    private static func match(_ path: UnsafeBufferPointer<UInt8>, prefix: UnsafeBufferPointer<UInt8>) -> Match {
        guard path.count >= prefix.count, UnsafeBufferPointer(rebasing: path[..<prefix.count]).elementsEqual(prefix) else {
            return .outside
        }
        let rest = UnsafeBufferPointer(rebasing: path[prefix.count...])
        guard rest.isEmpty || rest[0] == UInt8(ascii: "/") else { return .outside }
        for (fixedPath, route) in fixed where rest.elementsEqual(fixedPath) {
            return .route(route)
        }
        let clients = clientsPath
        guard rest.count > clients.count, UnsafeBufferPointer(rebasing: rest[..<clients.count]).elementsEqual(clients) else {
            return .route(.notFound)
        }
        let tail = UnsafeBufferPointer(rebasing: rest[clients.count...])
        guard let slash = tail.firstIndex(of: UInt8(ascii: "/")) else { return .route(.notFound) }
        let action = UnsafeBufferPointer(rebasing: tail[(slash + 1)...])
        for (name, make) in actions where action.elementsEqual(name) {
            let start = prefix.count + clients.count
            return .client(start: start, end: start + slash, action: make)
        }
        return .route(.notFound)
    }

    /// The routes with no parameter, by the path below the prefix.
    private static let fixed: [([UInt8], Route)] = [
        ("/clients", .register), ("/poll", .poll), ("/publish", .publish), ("/disconnect", .disconnect), ("/presence", .presence),
        ("/livepage.js", .script), ("/health", .health), ("/metrics", .metrics), ("/admin", .admin),
    ].map { (Array($0.utf8), $1) }

    private static let clientsPath = Array("/clients/".utf8)

    /// The client routes, by the last path segment.
    private static let actions: [([UInt8], @Sendable (Substring) -> Route)] = [
        (Array("output".utf8), Route.output), (Array("input".utf8), Route.input),
        (Array("close".utf8), Route.close), (Array("online".utf8), Route.online),
    ]

    /// The methods the route takes (`HEAD` goes with `GET`); others are `405`. Checked on
    /// every request, so each list is built once.
    var methods: [HTTPMethod] {
        switch self {
        case .register, .poll, .input, .close, .publish, .disconnect: Self.postOnly
        case .output, .online, .presence, .script, .health, .metrics, .demo: Self.getOrHead
        case .admin: Self.getOrPost
        case .page, .notFound: []
        }
    }

    private static let postOnly: [HTTPMethod] = [.post]
    private static let getOrHead: [HTTPMethod] = [.get, .head]
    private static let getOrPost: [HTTPMethod] = [.get, .post]

    /// Whether a browser page posts to the route, so that it answers CORS preflight
    /// requests.
    var isBrowserPost: Bool {
        switch self {
        case .input, .close, .register, .poll: true
        default: false
        }
    }

    /// Whether a page of a foreign origin is refused here (PROTOCOL.md, "Origin check"):
    /// the browser POSTs, and the reads of a client, whose answers such a page could not
    /// read anyway, so that it is told why rather than left retrying.
    var isOriginChecked: Bool {
        switch self {
        case .register, .poll, .input, .close, .output, .online: true
        default: false
        }
    }
}
