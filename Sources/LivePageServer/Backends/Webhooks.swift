import LivePage
import LivePageEvents
import LivePageHTTP
import Synchronization

/// The webhooks a server calls, as the router holds them.
struct Webhooks: Sendable {
    /// Where page input goes, if anywhere.
    var input: InputWebhook?
    /// Where joins and leaves go, if anywhere.
    var presence: PresenceWebhook?
}

extension LivePageRouter {
    /// Makes the configured webhooks' clients on `http`'s event loops, and registers the
    /// custom verbs input may carry.
    /// - Throws: ``ConfigurationError`` for a webhook host that cannot be resolved.
    func connectBackends(on http: HTTPServer) throws(ConfigurationError) {
        let backends = configuration.backends
        for verb in backends.inputVerbs {
            manager.registry.register(verb, input: .allowed) { fields in
                CustomEvent(verb: fields.verb, fields: fields.values)
            }
        }
        func client(for url: WebhookURL, flag: String) throws(ConfigurationError) -> HTTPClient {
            var client = HTTPClientConfiguration(host: url.host, port: url.port)
            client.maximumConnections = backends.webhookConcurrency
            client.maximumQueuedRequests = backends.webhookQueueLimit
            client.maximumResponseBodySize = configuration.maximumPublishBodySize
            do {
                return try HTTPClient(server: http, configuration: client)
            } catch {
                throw .invalid(flag, "names the host '\(url.host)', which cannot be resolved")
            }
        }
        var webhooks = Webhooks()
        if let url = backends.inputWebhook {
            webhooks.input = InputWebhook(
                url: url, client: try client(for: url, flag: "input-webhook"), configuration: backends, manager: manager,
                log: configuration.log)
        }
        if let url = backends.presenceWebhook {
            let webhook = PresenceWebhook(
                url: url, client: try client(for: url, flag: "presence-webhook"), configuration: backends, epoch: epoch, log: configuration.log)
            manager.observePresenceChanges { webhook.record($0) }
            webhooks.presence = webhook
        }
        self.webhooks.withLock { $0 = webhooks }
    }
}
