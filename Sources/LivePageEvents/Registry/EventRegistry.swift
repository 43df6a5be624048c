import Synchronization

/// Turns the fields of a form or JSON object into events, by verb: the registry of
/// event factories (zorg.live's `dict2event`).
///
/// The built-in verbs of PROTOCOL.md are registered by default. An application
/// registers its own verbs, with its own event types, at run time, and says for each
/// whether its HTML is trusted and whether page input may use it. The registry is
/// shared by every request, so it is safe to use from any thread.
public final class EventRegistry: Sendable {
    /// Builds an event from fields. It reads them with ``EventFields``'s accessors, whose
    /// errors name the field, and throws ``EventError`` for anything else it refuses.
    public typealias Factory = @Sendable (EventFields) throws(EventError) -> any Event

    private struct Entry: Sendable {
        var factory: Factory
        var isTrusted: Bool
        var input: InputPermission
    }

    private let entries: Mutex<[String: Entry]>

    /// A registry holding the built-in verbs: `append` and `prepend` allowed from input;
    /// `update`, `replace`, `remove`, `before`, `after`, `text`, `attribute`, `morph`,
    /// `addClass`, `removeClass` and `toggleClass` for publishers and server-side senders
    /// unless the application allows them; `refresh` for them only, always.
    public convenience init() {
        self.init(entries: Self.builtins)
    }

    /// A registry with no verbs at all, for an application that wants only its own.
    public static func empty() -> EventRegistry { EventRegistry(entries: [:]) }

    private init(entries: [String: Entry]) {
        self.entries = Mutex(entries)
    }

    private static let builtins: [String: Entry] = {
        func entry(_ input: InputPermission, _ factory: @escaping Factory) -> Entry {
            Entry(factory: factory, isTrusted: false, input: input)
        }
        return [
            Append.verb: entry(.allowed) { fields throws(EventError) in try Append.make(from: fields) },
            Prepend.verb: entry(.allowed) { fields throws(EventError) in try Prepend.make(from: fields) },
            Update.verb: entry(.denied) { fields throws(EventError) in try Update.make(from: fields) },
            Replace.verb: entry(.denied) { fields throws(EventError) in try Replace.make(from: fields) },
            Before.verb: entry(.denied) { fields throws(EventError) in try Before.make(from: fields) },
            After.verb: entry(.denied) { fields throws(EventError) in try After.make(from: fields) },
            Remove.verb: entry(.denied) { fields throws(EventError) in try Remove.make(from: fields) },
            Text.verb: entry(.denied) { fields throws(EventError) in try Text.make(from: fields) },
            Attribute.verb: entry(.denied) { fields throws(EventError) in try Attribute.make(from: fields) },
            Morph.verb: entry(.denied) { fields throws(EventError) in try Morph.make(from: fields) },
            AddClass.verb: entry(.denied) { fields throws(EventError) in try AddClass.make(from: fields) },
            RemoveClass.verb: entry(.denied) { fields throws(EventError) in try RemoveClass.make(from: fields) },
            ToggleClass.verb: entry(.denied) { fields throws(EventError) in try ToggleClass.make(from: fields) },
            Refresh.verb: entry(.denied) { fields throws(EventError) in try Refresh.make(from: fields) },
        ]
    }()

    /// Registers `verb`, replacing any earlier factory for it (a built-in one included).
    ///
    /// - Parameters:
    ///   - verb: The verb, `[A-Za-z][A-Za-z0-9_.:-]{0,63}`; `presence` is LivePage's own.
    ///     An invalid verb is a programming error and stops the program.
    ///   - trusted: Whether HTML in this verb's fields is used as given even from page
    ///     input. Leave it `false` unless the application checks the HTML itself:
    ///     trusted HTML from one visitor runs in every other visitor's page.
    ///   - input: Whether page input may use the verb (default ``InputPermission/denied``).
    ///   - factory: Builds the event from the fields.
    public func register(
        _ verb: String,
        trusted: Bool = false,
        input: InputPermission = .denied,
        factory: @escaping Factory
    ) {
        precondition(Self.isValidVerb(verb), "'\(verb)' is not a valid verb: use [A-Za-z][A-Za-z0-9_.:-]{0,63}")
        precondition(verb != Presence.verb, "'presence' is LivePage's own verb and cannot be registered")
        entries.withLock { $0[verb] = Entry(factory: factory, isTrusted: trusted, input: input) }
    }

    /// Sets whether page input may use `verb`, which must be registered.
    /// - Throws: ``EventError/unknownVerb(_:)`` if it is not.
    public func setInputPermission(_ permission: InputPermission, for verb: String) throws(EventError) {
        let found = entries.withLock { entries in
            entries[verb]?.input = permission
            return entries[verb] != nil
        }
        guard found else { throw .unknownVerb(verb) }
    }

    /// The registered verbs, sorted.
    public var verbs: [String] { entries.withLock { $0.keys.sorted() } }

    /// The event for fields sent by a page: the verb must be registered and allowed from
    /// input, and its HTML is escaped unless the verb is registered as trusted. An
    /// ``Attribute`` made by an untrusted verb's factory (the built-in one or the
    /// application's) must also pass ``Attribute/checkFromInput(allowing:)`` with the
    /// attribute names the verb's permission allows; an ``Append`` or ``Prepend`` it
    /// makes may not carry a `limit`, which would remove what other visitors sent. A
    /// ``Refresh`` is never made from input, whatever the application allows.
    /// - Throws: ``EventError`` naming the verb, the field or the attribute.
    public func event(fromInput fields: EventFields) throws(EventError) -> any Event {
        // Registered verbs are ASCII; refusing anything else first keeps the lookup byte
        // for byte (String equality would find "Kick" for "\u{212A}ick").
        guard Self.isValidVerb(fields.verb), let entry = entries.withLock({ $0[fields.verb] }) else {
            throw .unknownVerb(fields.verb)
        }
        guard fields.verb != Refresh.verb else { throw .verbNotAllowedFromInput(fields.verb) }
        try entry.input.check(fields)
        let event = try entry.factory(fields.trusted(entry.isTrusted))
        if event is Refresh { throw .verbNotAllowedFromInput(fields.verb) }
        if !entry.isTrusted, let attribute = event as? Attribute {
            try attribute.checkFromInput(allowing: entry.input.attributeNames)
        }
        if !entry.isTrusted, let limited = event as? any ChildLimitedEvent, limited.limit != nil {
            throw .invalidField("limit", reason: "cannot be set from page input; the application's input handler may set it")
        }
        return event
    }

    /// The event for fields sent by a trusted backend (a publish): HTML is used as given.
    /// A registered verb is built by its factory, which checks its fields; any other
    /// verb becomes a ``CustomEvent`` with its fields unchanged, for the page's own
    /// handler.
    /// - Throws: ``EventError`` for invalid fields of a registered verb, an invalid verb
    ///   name, or `presence`, which only LivePage sends.
    public func event(fromPublisher fields: EventFields) throws(EventError) -> any Event {
        guard Self.isValidVerb(fields.verb) else {
            throw .invalidField("verb", reason: "must match [A-Za-z][A-Za-z0-9_.:-]{0,63}")
        }
        guard fields.verb != Presence.verb else {
            throw .invalidField("verb", reason: "cannot be 'presence': LivePage sends presence events itself")
        }
        guard let entry = entries.withLock({ $0[fields.verb] }) else {
            return CustomEvent(verb: fields.verb, fields: fields.values)
        }
        return try entry.factory(fields.trusted(true))
    }

    /// Whether `verb` is a valid verb name: `[A-Za-z][A-Za-z0-9_.:-]{0,63}`.
    public static func isValidVerb(_ verb: String) -> Bool {
        IdentifierSyntax.isValid(verb, maximumLength: 64)
    }
}
