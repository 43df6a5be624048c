import LivePage
import LivePageEvents
import LivePageHTTP

/// The demo pages of the `livepage-server` command.
enum DemoPage: Equatable {
    /// `/`: the original LivePage example, a chat with who is online.
    case chat
    /// `/board`: a page updated only from outside, by a backend's publish.
    case board

    init?(path: String) {
        switch path {
        case "/", "/index.html": self = .chat
        case "/board": self = .board
        default: return nil
        }
    }

    /// The location each page registers its clients at.
    var location: String {
        switch self {
        case .chat: "/"
        case .board: "/board"
        }
    }
}

/// Renders the demo pages from the templates in `Resources/`, registering each page's
/// client while rendering it.
struct DemoPages: Sendable {
    let prefix: String

    func response(for page: DemoPage, request: HTTPRequest, manager: ClientManager, tokenMode: Bool) throws(RouteError) -> HTTPResponse {
        var name: String?
        if page == .chat, !tokenMode {
            name = try FormDecoder.queryValue("name", in: request.query).flatMap { $0.isEmpty ? nil : $0 }
            guard name != nil else { return Self.html(Self.fill("demo-welcome.html", [:])) }
        }
        let registration: Registration
        do {
            registration = try manager.register(at: page.location, principal: name, presence: page == .chat ? .list : .count)
        } catch {
            throw RouteError(error)
        }
        let session = PageSession(registration: registration, prefix: prefix)
        let template = page == .chat ? "demo-chat.html" : "demo-board.html"
        return Self.html(Self.fill(template, ["NAME": HTML.escape(name ?? "anonymous"), "LIVEPAGE": session.scriptTags]))
    }

    /// The template `name` with each `{{KEY}}` replaced by its value.
    static func fill(_ name: String, _ values: [String: String]) -> String {
        var text = EmbeddedResources.files[name] ?? "<!doctype html><p>The template \(name) is missing from this build.</p>"
        for (key, value) in values {
            text = text.replacing("{{\(key)}}", with: value)
        }
        return text
    }

    private static func html(_ text: String) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "text/html; charset=utf-8"]
        for (name, value) in PageSession.headers { headers.add(name: name, value: value) }
        return HTTPResponse(status: .ok, headers: headers, body: Array(text.utf8))
    }
}
