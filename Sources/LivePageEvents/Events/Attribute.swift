/// Sets or removes an attribute of the element `#id`.
///
/// From page input, where the verb must be allowed explicitly, it can never set an event
/// handler (`on*`) or one of ``forbiddenFromInput``, nor give a URL attribute a value
/// that is not `http:`, `https:` or relative: those would let one visitor run script in
/// another's page. The names of ``guardedFromInput`` (a script's `type` and `src`, a
/// meta's `http-equiv` and `content`, `href`, `style`, ...) it sets only when the
/// application's ``InputPermission`` lists them. `livepage.js` applies the same rules to
/// every event from input it receives.
public struct Attribute: Event, Hashable {
    /// The verb, `"attribute"`.
    public static let verb = "attribute"
    /// The element whose attribute is set.
    public var id: ElementID
    /// The attribute's name, such as `"class"`.
    public var name: String
    /// The new value, or `nil` to remove the attribute.
    public var value: String?

    /// An event setting attribute `name` of the element `id` to `value` (`nil` removes it).
    public init(id: ElementID, name: String, value: String?) {
        (self.id, self.name, self.value) = (id, name, value)
    }

    /// `"attribute"`.
    public var verb: String { Self.verb }
    /// `id`, `name` and `value` (`null` to remove).
    public var fields: JSONObject {
        ["id": .string(id.rawValue), "name": .string(name), "value": value.map { .string($0) } ?? .null]
    }
    /// `"attribute <id>\n<name>=<value>"`, with nothing after `=` for a removal.
    public var textForm: String { makeTextForm(verb: verb, id: id, value: "\(name)=\(value ?? "")") }

    /// Attributes page input may never set or remove, whatever the application allows
    /// (lowercase; every name starting with `on`, an event handler, is refused too): they
    /// run script (`srcdoc`) or lift an iframe's restrictions (`sandbox`, `allow`).
    public static let forbiddenFromInput: Set<String> = ["srcdoc", "sandbox", "allow"]

    /// Attributes page input may set or remove only where the application's
    /// ``InputPermission`` names them (lowercase): on the right element they load or run
    /// script (`type` and `src` turn a `<script type="application/json">` data block into
    /// a module), load other content (`href`, `xlink:href`, `data`, `srcset`,
    /// `imagesrcset`), refresh or redirect the page (a meta's `http-equiv` and
    /// `content`), send a form elsewhere (`action`, `formaction`) or restyle (`style`).
    public static let guardedFromInput: Set<String> = [
        "type", "src", "href", "xlink:href", "data", "srcset", "imagesrcset", "http-equiv", "content",
        "action", "formaction", "style",
    ]

    /// Attributes that take a URL (lowercase), whose values from input must be `http:`,
    /// `https:` or relative, even where the application names them.
    public static let urlAttributes: Set<String> = [
        "action", "archive", "background", "cite", "classid", "codebase", "data", "dynsrc", "formaction",
        "href", "icon", "longdesc", "lowsrc", "manifest", "ping", "poster", "profile", "src",
        "usemap", "xlink:href",
    ]

    static func make(from fields: EventFields) throws(EventError) -> Attribute {
        let id = try fields.elementID()
        let name = try fields.string("name")
        guard isValidName(name) else {
            throw .invalidField("name", reason: "must be an attribute name of letters, digits, '_', ':', '.' or '-'")
        }
        var value: String?
        switch fields["value"] {
        case nil, .null?: value = nil
        case .string(let text)?: value = text.isEmpty && fields.isForm ? nil : text
        case let other?: throw .invalidField("value", reason: "must be a string or null, not \(other.typeName)")
        }
        return Attribute(id: id, name: name, value: value)
    }

    /// Checks that page input may send this event: the registry calls it for every
    /// untrusted input event that is an `Attribute`, whichever factory made it.
    /// - Parameter allowedNames: The names of ``guardedFromInput`` the application
    ///   allows for the verb (``InputPermission/attributeNames``), lowercase.
    /// - Throws: ``EventError/invalidField(_:reason:)`` for `name` (an event handler, a
    ///   forbidden or invalid name) or `value` (a URL that is not `http(s):` or
    ///   relative), ``EventError/attributeNotAllowedFromInput(_:)`` for a guarded name
    ///   the application did not allow.
    func checkFromInput(allowing allowedNames: Set<String>) throws(EventError) {
        guard Self.isValidName(name) else {
            throw .invalidField("name", reason: "must be an attribute name of letters, digits, '_', ':', '.' or '-'")
        }
        let name = name.lowercased()
        if name.hasPrefix("on") {
            throw .invalidField("name", reason: "cannot be an event handler (on*) from input")
        }
        if Self.forbiddenFromInput.contains(name) {
            throw .invalidField("name", reason: "cannot be '\(name)' from input")
        }
        if Self.guardedFromInput.contains(name), !allowedNames.contains(name) {
            throw .attributeNotAllowedFromInput(name)
        }
        if Self.urlAttributes.contains(name), let value, !Self.isSafeURL(value) {
            throw .invalidField("value", reason: "must be an http:, https: or relative URL for '\(name)' from input")
        }
    }

    /// Whether `url` is `http:`, `https:` or relative, read as a browser would: tabs and
    /// newlines anywhere and controls or spaces at either end are ignored (so
    /// `"java\tscript:"` is still a `javascript:` URL).
    static func isSafeURL(_ url: String) -> Bool {
        let cleaned = url.unicodeScalars
            .filter { $0 != "\t" && $0 != "\n" && $0 != "\r" }
            .drop { $0.value <= 0x20 }
        var scheme = ""
        for scalar in cleaned {
            switch scalar {
            case ":": return scheme == "http" || scheme == "https"
            case "/", "?", "#": return true
            default: scheme.unicodeScalars.append(scalar.properties.lowercaseMapping.unicodeScalars.first ?? scalar)
            }
        }
        return true
    }

    static func isValidName(_ name: String) -> Bool {
        IdentifierSyntax.isValid(name, maximumLength: 128, allowingLeadingUnderscore: true)
    }
}
