import LivePageServer

extension CommandLineOptions {
    private static let backendDefaults = LivePageServer.BackendConfiguration()

    /// The flags of the webhooks to a backend in another language.
    static let backendOptions: [CommandLineOption] = [
        .webhook(
            "input-webhook", "every page input is POSTed here, signed, for the backend to accept, transform or refuse; http:// only"
        ) { $0.backends.inputWebhook = $1 },
        .webhook(
            "presence-webhook", "joins and leaves are POSTed here, signed, at most once a second; http:// only"
        ) { $0.backends.presenceWebhook = $1 },
        .text(
            "webhook-secret", "SECRET", "the HMAC-SHA256 secret that signs webhook calls (at least 32 bytes); required with a webhook",
            default: "none"
        ) { $0.backends.webhookSecret = $1 },
        .seconds("webhook-timeout", "time the backend has to answer a webhook call", default: backendDefaults.webhookTimeout, minimum: 0.01) {
            $0.backends.webhookTimeout = $1
        },
        .integer("webhook-concurrency", "connections to the backend at once, per webhook", default: String(backendDefaults.webhookConcurrency), in: 1...4096) {
            $0.backends.webhookConcurrency = $1
        },
        .integer("webhook-queue", "webhook calls waiting for a connection before input is answered 503", default: String(backendDefaults.webhookQueueLimit), in: 0...1_000_000) {
            $0.backends.webhookQueueLimit = $1
        },
        .text(
            "input-verb", "NAME", "a custom verb page input may carry as it is, as data for LivePage.on handlers; repeatable",
            default: "none", repeatable: true
        ) { $0.backends.inputVerbs.append($1) },
    ]
}

extension CommandLineOption {
    /// An option taking a webhook URL, `http://HOST[:PORT]/PATH`.
    static func webhook(
        _ name: String, _ help: String, _ set: @escaping @Sendable (inout LivePageServer.Configuration, WebhookURL) -> Void
    ) -> CommandLineOption {
        CommandLineOption(name: name, valueName: "URL", help: help, defaultValue: "none") { configuration, text throws(OptionValueError) in
            guard let url = WebhookURL(text) else {
                throw OptionValueError(requirement: "must be an http:// URL such as http://127.0.0.1:8000/livepage/input (for TLS, put a proxy in front of the backend)")
            }
            set(&configuration, url)
        }
    }
}
