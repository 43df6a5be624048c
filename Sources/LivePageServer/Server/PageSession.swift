public import LivePage
public import LivePageEvents
public import LivePageHTTP

/// A page's client, registered while the server renders the page, with the HTML that
/// starts `livepage.js` on it.
///
/// The page gets its id and `after` (0) in its HTML, so an event queued between the
/// render and the first poll is not lost. Serve the page with ``headers``: no cached
/// copy or duplicated tab may reuse the id.
public struct PageSession: Sendable {
    /// The client registered for the page.
    public let registration: Registration
    /// The server's route prefix, such as `/livepage`.
    public let prefix: String

    /// The headers a page holding a client id must be served with:
    /// `Cache-Control: no-store, private`.
    public static let headers: HTTPHeaders = ["Cache-Control": "no-store, private"]

    /// The options `LivePage.start` gets: the client id, `after`, the refresh interval,
    /// the prefix, the location and the presence mode.
    public var startOptions: JSONObject {
        let client = registration.client
        return [
            "prefix": .string(prefix),
            "client": .string(client.id.description),
            "after": .number(JSONNumber(Int(registration.after))),
            "refresh": .number(JSONNumber(registration.refresh)),
            "location": .string(client.location),
            "presence": .string(client.presence.rawValue),
        ]
    }

    /// Two `<script>` elements for the end of `<body>`: one loading `livepage.js`, one
    /// starting it. The options are JSON written so that no value can close the element.
    public var scriptTags: String {
        let options = String(decoding: startOptions.jsonBytes(), as: UTF8.self)
        return """
            <script src="\(HTML.escape(prefix))/livepage.js"></script>
            <script>LivePage.start(\(options));</script>
            """
    }
}
