import LivePage
import LivePageEvents
import LivePageHTTP

/// The demo pages of the `livepage-server` command, and their icon.
enum DemoPage: Equatable {
    /// `/`: the original LivePage example, a chat with who is online.
    case chat
    /// `/board`: a page updated only from outside, by a backend's publish.
    case board
    /// `/favicon.svg`: the icon the pages link to, so that a browser does not ask for
    /// `/favicon.ico` (a `404`) on every page.
    case icon

    init?(path: String) {
        switch path {
        case "/", "/index.html": self = .chat
        case "/board": self = .board
        case "/favicon.svg": self = .icon
        default: return nil
        }
    }

    /// The location each page registers its clients at; `nil` for the icon, which
    /// registers none.
    var location: String? {
        switch self {
        case .chat: "/"
        case .board: "/board"
        case .icon: nil
        }
    }
}

/// Renders the demo pages from the templates in `Resources/`, registering each page's
/// client while rendering it.
///
/// The templates' placeholders: `{{LIVEPAGE}}` (the `<script>` tags that start
/// `livepage.js` with the page's client), `{{NAME}}` (the visitor's name), `{{ORIGIN}}`
/// (the server as the browser reached it, from `Host`) and `{{PREFIX}}` (the routes'
/// prefix), each HTML-escaped but `{{LIVEPAGE}}`.
struct DemoPages: Sendable {
    let prefix: String
    /// The configured public origin, shown in the board's commands when set.
    let publicOrigin: String?
    /// The pages' icon.
    let icon = StaticAsset(named: "favicon.svg", contentType: "image/svg+xml")

    /// Who a demo page is rendered for, decided by the router: in open mode, the name
    /// the visitor typed (none on the board); in token mode, the token's subject, or no
    /// one when the page came without a token.
    enum Visitor {
        case open(name: String?)
        case token(principal: String?)
        case needsToken
    }

    /// The page for `visitor`: the chat asks for a name first in open mode, and neither
    /// page registers a client without a token in token mode (it says how to get in).
    func response(for page: DemoPage, request: HTTPRequest, manager: ClientManager, visitor: Visitor) throws(RouteError) -> HTTPResponse {
        guard let location = page.location else { return icon.response(to: request) }
        let name: String?
        switch visitor {
        case .needsToken:
            return Self.html(Self.fill("demo-token.html", ["PATH": HTML.escape(request.path)]))
        case .token(let principal):
            name = principal
        case .open(let given):
            name = page == .chat ? given : nil
            guard page != .chat || name != nil else { return Self.html(Self.fill("demo-welcome.html", [:])) }
        }
        let registration: Registration
        do {
            registration = try manager.register(at: location, principal: name, presence: page == .chat ? .list : .count)
        } catch {
            throw RouteError(error)
        }
        let session = PageSession(registration: registration, prefix: prefix)
        let template = page == .chat ? "demo-chat.html" : "demo-board.html"
        let origin = publicOrigin ?? "http://" + (request.headers["Host"] ?? "localhost:8080")
        return Self.html(
            Self.fill(
                template,
                [
                    "NAME": HTML.escape(name ?? "anonymous"),
                    "ORIGIN": HTML.escape(origin),
                    "PREFIX": HTML.escape(prefix),
                    "LIVEPAGE": session.scriptTags,
                ]))
    }

    /// The most messages a demo chat page keeps: older ones are dropped as new ones come.
    static let chatLimit = 100

    /// The demo's input handler, installed when the server serves the demo: chat input
    /// at `/` (an `append`, its HTML already escaped) reaches every page there as
    /// `<p><b>NAME</b>: TEXT</p>`, with the sender's name escaped too, and with a `limit`
    /// of ``chatLimit`` so that a page open all day keeps only the last messages. It shows
    /// what an input handler can do: rewrite input on its way. Other input takes the
    /// default route.
    static let inputHandler: InputHandler = { input in
        guard input.sender.location == DemoPage.chat.location, let append = input.event as? Append else {
            return try await ClientManager.defaultInputHandler(input)
        }
        let name = HTML.escape(input.sender.principal ?? "anonymous")
        let message = Append(id: append.id, html: "<p><b>\(name)</b>: \(append.html)</p>", limit: chatLimit)
        return try await input.send(message, to: .location(input.sender.location))
    }

    /// The template `name` with each `{{KEY}}` replaced by its value, in one pass over the
    /// template: a value is never searched for placeholders, so a visitor named
    /// `{{LIVEPAGE}}` is shown as that text rather than pulling the page's script tags
    /// into an attribute.
    static func fill(_ name: String, _ values: [String: String]) -> String {
        let template = EmbeddedResources.files[name] ?? "<!doctype html><p>The template \(name) is missing from this build.</p>"
        var text = ""
        var rest = template[...]
        while let open = rest.firstRange(of: "{{") {
            text += rest[..<open.lowerBound]
            rest = rest[open.upperBound...]
            if let close = rest.firstRange(of: "}}"), let value = values[String(rest[..<close.lowerBound])] {
                text += value
                rest = rest[close.upperBound...]
            } else {
                text += "{{"
            }
        }
        return text + rest
    }

    private static func html(_ text: String) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "text/html; charset=utf-8"]
        for (name, value) in PageSession.headers { headers.add(name: name, value: value) }
        return HTTPResponse(status: .ok, headers: headers, body: Array(text.utf8))
    }
}
