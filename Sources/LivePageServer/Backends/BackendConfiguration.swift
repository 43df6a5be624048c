import LivePageEvents

extension LivePageServer {
    /// How a backend in another language takes part beyond publishing: it vets and
    /// transforms page input (the input webhook) and hears who comes and goes (the
    /// presence webhook). Every call is signed with ``webhookSecret`` (``WebhookSignature``).
    public struct BackendConfiguration: Sendable {
        /// Where every page input is POSTed for the backend to accept, transform or
        /// refuse (`http://` only); `nil`, the default, sends input to the input handler.
        public var inputWebhook: WebhookURL?
        /// Where joins and leaves are POSTed, coalesced to at most one call a second
        /// (`http://` only); `nil`, the default, for none.
        public var presenceWebhook: WebhookURL?
        /// The HMAC-SHA256 secret that signs webhook calls, at least 32 bytes; required
        /// with a webhook.
        public var webhookSecret: String?
        /// How long the backend has to answer one call, waiting for a connection
        /// included (default 5 s); past it the page's input is answered `504`.
        public var webhookTimeout: Duration = .seconds(5)
        /// Connections to the backend at once, per webhook (default 16).
        public var webhookConcurrency = 16
        /// Calls waiting for a connection, per webhook, at most (default 1,024); past it
        /// input is answered `503`.
        public var webhookQueueLimit = 1024
        /// Custom verbs that page input may carry as they are (delivered with `from`, as
        /// data for the page's `LivePage.on` handler) without the backend making them up.
        public var inputVerbs: [String] = []

        /// No webhook, no custom input verb.
        public init() {}

        /// The webhook secret's minimum length in bytes.
        public static let minimumSecretByteCount = 32

        /// Checks the settings together.
        /// - Throws: ``ConfigurationError`` naming the flag and what it needs.
        func validate() throws(ConfigurationError) {
            if inputWebhook != nil || presenceWebhook != nil {
                guard let webhookSecret else {
                    throw .invalid("webhook-secret", "is required with a webhook: at least 32 random bytes the backend checks signatures with")
                }
                guard webhookSecret.utf8.count >= Self.minimumSecretByteCount else {
                    throw .invalid("webhook-secret", "must be at least \(Self.minimumSecretByteCount) bytes long")
                }
            }
            guard webhookTimeout > .zero else { throw .invalid("webhook-timeout", "must be more than 0 seconds") }
            guard webhookConcurrency >= 1 else { throw .invalid("webhook-concurrency", "must be at least 1") }
            guard webhookQueueLimit >= 0 else { throw .invalid("webhook-queue", "must not be negative") }
            let builtIn = EventRegistry().verbs
            for verb in inputVerbs {
                guard EventRegistry.isValidVerb(verb), verb != Presence.verb, !builtIn.contains(verb) else {
                    throw .invalid("input-verb", "'\(verb)' must be a custom verb name, [A-Za-z][A-Za-z0-9_.:-]{0,63}, not a built-in one")
                }
            }
        }
    }
}
