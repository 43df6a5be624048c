import Glibc
import LivePage
import LivePageEvents
import LivePageHTTP
import Synchronization

/// Joins and leaves, sent to the backend (PROTOCOL.md, "The presence webhook").
///
/// Changes are noted as they happen (a dictionary update, under a lock of its own) and
/// sent coalesced: at most one call a second, carrying every net change since the last
/// (a principal who joined and left in between is not reported). A call that fails is
/// tried again, at most ``retries`` times with backoff; calls go one at a time, in order,
/// so a backend never hears a leave before its join. Past ``maximumPendingChanges``
/// changes waiting, or after the last retry, changes are dropped and counted.
final class PresenceWebhook: Sendable {
    /// Tries after the first failed one.
    static let retries = 3
    /// Principal-location changes held at most while calls are failing or slow.
    static let maximumPendingChanges = 100_000

    private struct Change {
        var wasOnline: Bool
        var isOnline: Bool
        var name: String?
    }

    private struct State {
        /// Net changes not yet sent, by location, then principal.
        var pending: [String: [String: Change]] = [:]
        var pendingCount = 0
        /// Whether a task is sending (or waiting to send) the pending changes.
        var isSending = false
        var lastCall: ContinuousClock.Instant?
    }

    let url: WebhookURL
    /// The server's epoch, in every call: a new one means the server restarted, and
    /// everyone it reported before has left.
    private let epoch: String
    private let client: HTTPClient
    private let secret: [UInt8]
    private let timeout: Duration
    private let log: WebhookLog
    private let state = Mutex(State())
    /// Calls the backend answered with a 2xx.
    let sent = Atomic<Int>(0)
    /// Calls that failed (each try counts).
    let failed = Atomic<Int>(0)
    /// Changes given up: after the last retry, or beyond the pending limit.
    let dropped = Atomic<Int>(0)

    init(
        url: WebhookURL, client: HTTPClient, configuration: LivePageServer.BackendConfiguration, epoch: String,
        log: @escaping @Sendable (String) -> Void
    ) {
        self.url = url
        self.epoch = epoch
        self.client = client
        self.secret = Array((configuration.webhookSecret ?? "").utf8)
        self.timeout = configuration.webhookTimeout
        self.log = WebhookLog(name: "presence webhook \(url)", sink: log)
    }

    /// Notes `change`; starts the sender if none runs.
    func record(_ change: PresenceChange) {
        let start = state.withLock { state -> Bool in
            var changes = state.pending[change.location] ?? [:]
            if var known = changes[change.principal] {
                known.isOnline = change.joined
                if change.joined { known.name = change.displayName }
                changes[change.principal] = known
            } else {
                guard state.pendingCount < Self.maximumPendingChanges else {
                    dropped.add(1, ordering: .relaxed)
                    return false
                }
                changes[change.principal] = Change(wasOnline: !change.joined, isOnline: change.joined, name: change.displayName)
                state.pendingCount += 1
            }
            state.pending[change.location] = changes
            guard !state.isSending else { return false }
            state.isSending = true
            return true
        }
        if start { Task { await self.sendPending() } }
    }

    /// Sends the pending changes, at most one call a second, until none are left.
    private func sendPending() async {
        while true {
            let wait = state.withLock { state in
                state.lastCall.map { max(.zero, .seconds(1) - (ContinuousClock.now - $0)) } ?? .zero
            }
            if wait > .zero { try? await Task.sleep(for: wait) }
            let batch = state.withLock { state -> [String: [String: Change]]? in
                guard !state.pending.isEmpty else {
                    state.isSending = false
                    return nil
                }
                defer {
                    state.pending = [:]
                    state.pendingCount = 0
                    state.lastCall = ContinuousClock.now
                }
                return state.pending
            }
            guard let batch else { return }
            guard let (call, count) = Self.call(batch) else { continue }
            await deliver(call, changes: count)
            state.withLock { $0.lastCall = ContinuousClock.now }
        }
    }

    /// One call, tried again after 1, 2 and 4 s (with jitter) if it fails: the same
    /// `presence` id, so a backend can tell a retry, with its `attempt` (1, 2, ...) and a
    /// fresh signature, so a retry is not taken for a replay.
    private func deliver(_ call: JSONObject, changes: Int) async {
        var lastError = ""
        for attempt in 0...Self.retries {
            if attempt > 0 {
                let backoff = Double(1 << (attempt - 1)) * Double.random(in: 0.75...1.25)
                try? await Task.sleep(for: .milliseconds(Int(backoff * 1000)))
            }
            var call = call
            call["epoch"] = .string(epoch)
            call["attempt"] = .number(JSONNumber(attempt + 1))
            let body = call.jsonBytes(htmlSafe: false)
            var headers: HTTPHeaders = ["Content-Type": "application/json"]
            headers.add(name: WebhookSignature.headerName, value: WebhookSignature.header(for: body, at: time(nil), secret: secret))
            do {
                let response = try await client.execute(HTTPClientRequest(method: .post, path: url.path, headers: headers, body: body, timeout: timeout))
                if (200..<300).contains(response.status) {
                    sent.add(1, ordering: .relaxed)
                    return
                }
                lastError = "the backend answered \(response.status)"
            } catch {
                lastError = error.description
            }
            failed.add(1, ordering: .relaxed)
        }
        dropped.add(changes, ordering: .relaxed)
        log.callFailed("\(lastError); \(changes) presence changes dropped after \(Self.retries) retries")
    }

    /// The call's JSON: `presence` (a unique id) and `changes`, one entry per location
    /// (sorted) with `joined` and `left` principals (sorted) and the `names` of those
    /// that joined with a display name; `nil` when nothing changed on balance.
    private static func call(_ batch: [String: [String: Change]]) -> (JSONObject, Int)? {
        var entries: [JSONValue] = []
        var total = 0
        for location in batch.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            var joined: [String] = []
            var left: [String] = []
            var names = JSONObject()
            for (principal, change) in batch[location]! where change.wasOnline != change.isOnline {
                if change.isOnline {
                    joined.append(principal)
                    if let name = change.name { names[principal] = .string(name) }
                } else {
                    left.append(principal)
                }
            }
            guard !joined.isEmpty || !left.isEmpty else { continue }
            total += joined.count + left.count
            let byBytes: (String, String) -> Bool = { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            var entry: JSONObject = [
                "location": .string(location),
                "joined": .array(joined.sorted(by: byBytes).map { .string($0) }),
                "left": .array(left.sorted(by: byBytes).map { .string($0) }),
            ]
            if !names.isEmpty { entry["names"] = .object(names) }
            entries.append(.object(entry))
        }
        guard total > 0 else { return nil }
        var random = SystemRandomNumberGenerator()
        let id = String(random.next() as UInt64, radix: 16) + String(random.next() as UInt64, radix: 16)
        return (["presence": .string(id), "changes": .array(entries)], total)
    }
}
