/// Sets or removes an attribute of the element `#id`.
///
/// From page input, where it must be allowed explicitly, it can never set an event
/// handler (`on*`), `srcdoc`, `style`, `formaction`, `srcset`, `sandbox` or `allow`, nor
/// give a URL attribute a value
/// that is not `http:`, `https:` or relative: those would let one visitor run script
/// in another's page.
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

    /// Attributes that take a URL, whose values from input must be `http(s):` or relative.
    static let urlAttributes: Set<String> = [
        "action", "archive", "background", "cite", "classid", "codebase", "data", "dynsrc",
        "href", "icon", "longdesc", "lowsrc", "manifest", "ping", "poster", "profile", "src",
        "usemap", "xlink:href",
    ]

    /// Attributes input may never set: they run script, restyle the page, or lift an
    /// iframe's restrictions (`sandbox`, `allow`).
    static let forbiddenAttributes: Set<String> = ["srcdoc", "style", "formaction", "srcset", "sandbox", "allow"]

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
        if !fields.isTrusted {
            try checkSafeFromInput(name: name.lowercased(), value: value)
        }
        return Attribute(id: id, name: name, value: value)
    }

    private static func checkSafeFromInput(name: String, value: String?) throws(EventError) {
        if name.hasPrefix("on") {
            throw .invalidField("name", reason: "cannot be an event handler (on*) from input")
        }
        if forbiddenAttributes.contains(name) {
            throw .invalidField("name", reason: "cannot be '\(name)' from input")
        }
        if urlAttributes.contains(name), let value, !isSafeURL(value) {
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

    private static func isValidName(_ name: String) -> Bool {
        IdentifierSyntax.isValid(name, maximumLength: 128, allowingLeadingUnderscore: true)
    }
}
