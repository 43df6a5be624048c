import LivePage
import LivePageHTTP

#if canImport(Glibc)
    import Glibc
#endif

/// The PROTOCOL.md route a request path names, found without allocating for the hot
/// output route.
enum Route: Equatable {
    case register
    /// `POST /poll`: one long-poll for several clients.
    case poll
    // A client route carries its id, parsed from the path's bytes: `nil` when the segment
    // is not a client id, which every client route answers as an unknown client.
    case output(ClientID?)
    case input(ClientID?)
    case close(ClientID?)
    case online(ClientID?)
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

    /// The route of `head`'s path, with LivePage's routes under `prefix` (the prefix
    /// itself, or below it: `/livepage-about` is not under `/livepage`).
    ///
    /// Every request goes through here, so it compares the path's UTF-8 bytes in place,
    /// without making a string of the path or of a client's id: splitting or comparing
    /// `String`s would walk grapheme clusters, and iterating a `UTF8View` generically
    /// costs several times more per byte.
    init(head: borrowing HTTPRequestHead, prefix: String, servesDemo: Bool) {
        let match = head.withPathBytes { path in
            var prefix = prefix
            return prefix.withUTF8 { prefix in Self.match(path, prefix: prefix) }
        }
        switch match {
        case .outside:
            self = servesDemo ? DemoPage(path: head.path).map(Route.demo) ?? .page : .page
        case .route(let route):
            self = route
        case .client(let id, let action):
            self = action.route(id)
        }
    }

    private enum Match {
        case outside
        case route(Route)
        case client(id: ClientID?, action: ClientAction)
    }

    /// The last path segment of a client route.
    private enum ClientAction: CaseIterable {
        case output, input, close, online

        /// The segment's bytes.
        var name: StaticString {
            switch self {
            case .output: "output"
            case .input: "input"
            case .close: "close"
            case .online: "online"
            }
        }

        /// The route of this action for client `id`.
        func route(_ id: ClientID?) -> Route {
            switch self {
            case .output: .output(id)
            case .input: .input(id)
            case .close: .close(id)
            case .online: .online(id)
            }
        }
    }

    private static func match(_ path: UnsafeBufferPointer<UInt8>, prefix: UnsafeBufferPointer<UInt8>) -> Match {
        guard path.count >= prefix.count, same(UnsafeBufferPointer(rebasing: path[..<prefix.count]), prefix) else {
            return .outside
        }
        let rest = UnsafeBufferPointer(rebasing: path[prefix.count...])
        guard rest.isEmpty || rest[0] == UInt8(ascii: "/") else { return .outside }
        // The client routes first: every poll is one.
        let clients: StaticString = "/clients/"
        if rest.count > clients.utf8CodeUnitCount, same(UnsafeBufferPointer(rebasing: rest[..<clients.utf8CodeUnitCount]), clients) {
            let tail = UnsafeBufferPointer(rebasing: rest[clients.utf8CodeUnitCount...])
            guard let slash = tail.firstIndex(of: UInt8(ascii: "/")) else { return .route(.notFound) }
            let segment = UnsafeBufferPointer(rebasing: tail[(slash + 1)...])
            for action in ClientAction.allCases where same(segment, action.name) {
                return .client(id: ClientID(utf8: UnsafeBufferPointer(rebasing: tail[..<slash])), action: action)
            }
            return .route(.notFound)
        }
        for (fixedPath, route) in fixed where same(rest, fixedPath) {
            return .route(route)
        }
        return .route(.notFound)
    }

    /// Whether `bytes` are exactly `other`'s bytes: one `memcmp`, where `elementsEqual` went
    /// byte by byte through an iterator.
    private static func same(_ bytes: UnsafeBufferPointer<UInt8>, _ other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == other.count else { return false }
        guard let left = bytes.baseAddress, let right = other.baseAddress else { return true }
        return memcmp(left, right, bytes.count) == 0
    }

    private static func same(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        same(bytes, UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// The routes with no parameter, by the path below the prefix.
    private static let fixed: [(StaticString, Route)] = [
        ("/clients", .register), ("/poll", .poll), ("/publish", .publish), ("/disconnect", .disconnect), ("/presence", .presence),
        ("/livepage.js", .script), ("/health", .health), ("/metrics", .metrics), ("/admin", .admin),
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
