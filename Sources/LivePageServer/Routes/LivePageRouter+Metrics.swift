import LivePage
import LivePageHTTP
import Synchronization

extension LivePageRouter {
    /// `GET /metrics`: the manager's and the engine's counters in Prometheus text format.
    func metrics() -> HTTPResponse {
        let manager = manager.metrics
        let engine = engineMetrics.withLock { $0 }?() ?? HTTPServerMetrics()
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Int)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples { text += "\(name)\(sample.labels) \(sample.value)\n" }
        }
        metric("livepage_clients", "gauge", "Clients online.", [("", manager.clients)])
        metric("livepage_parked_requests", "gauge", "Output requests parked.", [("", manager.parkedPolls)])
        metric("livepage_locations", "gauge", "Locations with at least one client.", [("", manager.locations)])
        metric("livepage_events_queued_total", "counter", "(client, event) pairs queued.", [("", manager.eventsQueued)])
        metric("livepage_events_delivered_total", "counter", "Events handed out in output answers.", [("", manager.eventsDelivered)])
        metric("livepage_queue_evictions_total", "counter", "Clients evicted for exceeding their queue limit.", [("", manager.evictions)])
        metric("livepage_client_expirations_total", "counter", "Clients expired for not polling.", [("", manager.expirations)])
        metric("livepage_clients_away", "gauge", "Clients that stopped polling, kept for the resume window.", [("", manager.clientsAway)])
        metric("livepage_client_resumes_total", "counter", "Clients that came back within the resume window.", [("", manager.resumes)])
        metric("livepage_events_compacted_total", "counter", "Events dropped from full queues as superseded.", [("", manager.eventsCompacted)])
        metric("livepage_http_connections", "gauge", "HTTP connections open.", [("", engine.connectionsOpen)])
        metric("livepage_http_connections_accepted_total", "counter", "HTTP connections accepted.", [("", engine.connectionsAccepted)])
        metric(
            "livepage_http_responses_total", "counter", "HTTP responses by status.",
            engine.responsesByStatus.sorted { $0.key < $1.key }.map { ("{status=\"\($0.key)\"}", $0.value) }
        )
        metric("livepage_http_protocol_errors_total", "counter", "Requests refused for breaking HTTP or a limit.", [("", engine.parseErrors)])
        metric("livepage_http_timeouts_total", "counter", "Connections closed by a timeout.", [("", engine.timeouts)])
        metric("livepage_http_accept_pauses_total", "counter", "Accept pauses for lack of file descriptors.", [("", engine.acceptPauses)])
        metric("livepage_http_loop_pauses_total", "counter", "Event-loop pauses taking a stream of parking requests together.", [("", engine.loopPauses)])
        let webhooks = webhooks.withLock { $0 }
        if let input = webhooks.input {
            metric(
                "livepage_input_webhook_calls_total", "counter", "Input webhook calls by outcome.",
                input.outcomes.map { ("{outcome=\"\($0.0.rawValue)\"}", $0.1) })
        }
        if let presence = webhooks.presence {
            metric("livepage_presence_webhook_sent_total", "counter", "Presence webhook calls the backend accepted.", [("", presence.sent.load(ordering: .relaxed))])
            metric("livepage_presence_webhook_failed_total", "counter", "Presence webhook calls that failed, each try counted.", [("", presence.failed.load(ordering: .relaxed))])
            metric(
                "livepage_presence_webhook_dropped_total", "counter", "Presence changes given up after the last retry or beyond the pending limit.", [("", presence.dropped.load(ordering: .relaxed))])
        }
        return HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store"], body: Array(text.utf8))
    }
}
