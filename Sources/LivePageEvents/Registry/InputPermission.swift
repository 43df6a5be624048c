/// Whether page input may use a verb, for which elements, and which guarded attributes.
///
/// By default input may only add (``Append``, ``Prepend``); every other verb, custom
/// ones included, must be allowed by the application (PROTOCOL.md, "What input may do").
/// An ``Attribute`` from input, whichever verb made it, sets one of
/// ``Attribute/guardedFromInput`` (`type`, `src`, `href`, `style`, ...) only if the
/// permission names it: `.allowed(elementIDs: ["avatar"], attributes: ["src"])`.
public struct InputPermission: Sendable, Hashable {
    /// The element ids input may target with the verb; `nil` for any.
    public let elementIDs: Set<ElementID>?
    /// The names of ``Attribute/guardedFromInput`` that input may set with the verb,
    /// lowercase; empty unless the application names them.
    public let attributeNames: Set<String>
    private let isAllowed: Bool

    private init(isAllowed: Bool, elementIDs: Set<ElementID>?, attributeNames: Set<String> = []) {
        (self.isAllowed, self.elementIDs, self.attributeNames) = (isAllowed, elementIDs, attributeNames)
    }

    /// Input may not use the verb; it is for server-side senders and publishers only.
    public static let denied = InputPermission(isAllowed: false, elementIDs: nil)

    /// Input may use the verb on any element.
    public static let allowed = InputPermission(isAllowed: true, elementIDs: nil)

    /// Input may use the verb only on the given elements (its `id` field must be one).
    public static func allowed(elementIDs: Set<ElementID>) -> InputPermission {
        InputPermission(isAllowed: true, elementIDs: elementIDs)
    }

    /// Input may use the verb on the given elements (`nil`: any), and an ``Attribute`` it
    /// makes may set the named attributes of ``Attribute/guardedFromInput`` as well.
    ///
    /// Name only what every visitor may set on those elements: `src` on an `<img>` is
    /// an image, on a `<script>` a program. The page must name them too
    /// (`LivePage.start({inputAttributes: [...]})`), since `livepage.js` refuses them
    /// otherwise. Event handlers (`on*`) and ``Attribute/forbiddenFromInput`` cannot be
    /// allowed: naming one is a programming error and stops the program.
    /// - Parameters:
    ///   - elementIDs: The element ids input may target; `nil` (default) for any.
    ///   - attributes: Attribute names, in any case; URL attributes among them still take
    ///     only `http:`, `https:` or relative URLs.
    public static func allowed(elementIDs: Set<ElementID>? = nil, attributes: Set<String>) -> InputPermission {
        let names = Set(attributes.map { $0.lowercased() })
        for name in names {
            precondition(Attribute.isValidName(name), "'\(name)' is not an attribute name")
            precondition(
                !name.hasPrefix("on") && !Attribute.forbiddenFromInput.contains(name),
                "'\(name)' can never be set from page input"
            )
        }
        return InputPermission(isAllowed: true, elementIDs: elementIDs, attributeNames: names)
    }

    /// Checks `fields` against the permission's verb and element ids (the attribute
    /// names are checked on the event the factory made: ``Attribute/checkFromInput(allowing:)``).
    /// - Throws: ``EventError/verbNotAllowedFromInput(_:)`` or
    ///   ``EventError/elementNotAllowedFromInput(verb:id:)``.
    func check(_ fields: EventFields) throws(EventError) {
        guard isAllowed else { throw .verbNotAllowedFromInput(fields.verb) }
        if let elementIDs {
            let id = try fields.elementID()
            guard elementIDs.contains(id) else {
                throw .elementNotAllowedFromInput(verb: fields.verb, id: id.rawValue)
            }
        }
    }
}
