/// An event with any verb and any fields, passed to the page as it is.
///
/// A page handles a custom verb with `LivePage.on(verb, fn)`. A backend's publish with
/// a verb LivePage has no type for arrives as a `CustomEvent`, its fields unchanged;
/// an application may also send these instead of declaring a type of its own.
public struct CustomEvent: Event, Hashable {
    /// The verb, such as `"chat-typing"`.
    public var verb: String
    /// The fields, in order, without `verb` and `seq`.
    public var fields: JSONObject

    /// An event with `verb` and `fields` (`verb` and `seq` among them are ignored).
    public init(verb: String, fields: JSONObject = JSONObject()) {
        self.verb = verb
        var fields = fields
        fields["verb"] = nil
        fields["seq"] = nil
        self.fields = fields
    }
}
