/// Tells the page to reload itself: after a deploy that changed the page, so that open
/// tabs pick up the new one.
///
/// `livepage.js` reloads at most once per 30 s, with the same guard as for a gone client
/// (`410`), so that a refresh sent again and again, or one that reaches the reloaded page
/// again, never makes it reload in a loop. Only publishers and the application send it:
/// page input may never use it, whatever the application allows, and the page refuses
/// one that carries `from`.
public struct Refresh: Event, Hashable {
    /// The verb, `"refresh"`.
    public static let verb = "refresh"

    /// A refresh.
    public init() {}

    /// `"refresh"`.
    public var verb: String { Self.verb }
    /// None.
    public var fields: JSONObject { [:] }
    /// `"refresh"`.
    public var textForm: String { makeTextForm(verb: verb, id: nil, value: nil) }

    static func make(from fields: EventFields) throws(EventError) -> Refresh { Refresh() }
}
