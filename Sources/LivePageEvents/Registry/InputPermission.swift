/// Whether page input may use a verb, and for which elements.
///
/// By default input may only add (``Append``, ``Prepend``); every other verb, custom
/// ones included, must be allowed by the application (PROTOCOL.md, "What input may do").
public struct InputPermission: Sendable, Hashable {
    /// The element ids input may target with the verb; `nil` for any.
    public let elementIDs: Set<ElementID>?
    private let isAllowed: Bool

    private init(isAllowed: Bool, elementIDs: Set<ElementID>?) {
        (self.isAllowed, self.elementIDs) = (isAllowed, elementIDs)
    }

    /// Input may not use the verb; it is for server-side senders and publishers only.
    public static let denied = InputPermission(isAllowed: false, elementIDs: nil)

    /// Input may use the verb on any element.
    public static let allowed = InputPermission(isAllowed: true, elementIDs: nil)

    /// Input may use the verb only on the given elements (its `id` field must be one).
    public static func allowed(elementIDs: Set<ElementID>) -> InputPermission {
        InputPermission(isAllowed: true, elementIDs: elementIDs)
    }

    /// Checks `fields` against the permission.
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
