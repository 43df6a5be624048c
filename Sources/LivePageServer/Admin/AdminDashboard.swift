import Glibc
import LivePage
import LivePageEvents
import Synchronization

/// The admin page's live figures, published through LivePage itself.
///
/// Each admin page registers a client at a reserved location (`<prefix>/admin`, which
/// `POST /clients` refuses). While at least one such client of this server is registered,
/// a timer sends each of them, once a second, an event of the custom verb
/// ``verb`` with the figures: clients, parked polls, locations with their presence
/// counts, events queued, deliveries per second, and the servers of the site when they
/// share a Redis. When the manager no longer knows any of them (closed, expired), the
/// timer stops: nobody looking costs nothing.
final class AdminDashboard: Sendable {
    /// The custom verb of the figures' events.
    static let verb = "livepage-admin"
    /// How often the figures are sent while a page is open.
    static let interval: Duration = .seconds(1)
    /// How many past figures the charts show (one a second: a minute).
    static let historyLength = 60
    /// How many locations are listed, those with the most clients.
    static let topLocations = 10

    private struct State {
        /// The admin clients registered on this server, open or gone.
        var clients: [ClientID] = []
        var isRunning = false
        /// The last figures taken: when, and how many events had been delivered.
        var last: (at: Duration, delivered: Int)?
        /// Deliveries per second and events queued, oldest first.
        var deliveries: [Double] = []
        var queued: [Int] = []
    }

    let manager: ClientManager
    let clock: any LivePageClock
    /// The reserved location of admin clients.
    let location: String
    /// This server's tag among several, if it has one.
    let nodeTag: UInt8?
    private let state = Mutex(State())
    /// The servers of the site, when they share a Redis.
    private let servers = Mutex<(@Sendable () -> [String])?>(nil)

    init(manager: ClientManager, clock: any LivePageClock, location: String, nodeTag: UInt8?) {
        (self.manager, self.clock, self.location, self.nodeTag) = (manager, clock, location, nodeTag)
    }

    /// Lists the site's servers in the figures with `list` (a Redis bus's).
    func listServers(with list: @escaping @Sendable () -> [String]) {
        servers.withLock { $0 = list }
    }

    /// Whether the figures are being sent now: an admin page of this server is open.
    var isRunning: Bool { state.withLock { $0.isRunning } }

    /// Registers the client of an admin page about to be rendered, and starts sending the
    /// figures if they were not sent yet; the first go out at once, queued for the page's
    /// first poll.
    /// - Throws: ``ManagerError`` for a limit of the manager.
    func register() throws(ManagerError) -> Registration {
        let registration = try manager.register(at: location, principal: nil, presence: .none)
        let mustStart = state.withLock { state in
            state.clients.append(registration.client.id)
            defer { state.isRunning = true }
            return !state.isRunning
        }
        if mustStart { tick() }
        return registration
    }

    /// Sends the figures to the open admin pages and schedules the next tick, or stops
    /// when none is open any more.
    private func tick() {
        let known = state.withLock { $0.clients }
        let open = known.filter { manager.client($0) != nil }
        let gone = Set(known).subtracting(open)
        let statistics = open.isEmpty ? nil : manager.statistics(topLocations: Self.topLocations)
        let serverList = servers.withLock { $0 }?()
        let now = clock.now
        let (isRunning, event) = state.withLock { state -> (Bool, CustomEvent?) in
            state.clients.removeAll { gone.contains($0) }
            guard !state.clients.isEmpty else {
                // The last page closed: stop here. A page registered later starts a new tick.
                state.isRunning = false
                (state.last, state.deliveries, state.queued) = (nil, [], [])
                return (false, nil)
            }
            // A page registered since the figures were taken keeps the timer going.
            guard let statistics else { return (true, nil) }
            let delivered = statistics.metrics.eventsDelivered
            if let last = state.last, now > last.at {
                let elapsed = (now - last.at).components
                let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
                Self.append(Double(delivered - last.delivered) / seconds, to: &state.deliveries)
                Self.append(statistics.queuedEvents, to: &state.queued)
            }
            state.last = (now, delivered)
            return (true, figures(statistics, servers: serverList, deliveries: state.deliveries, queued: state.queued))
        }
        guard isRunning else { return }
        if let event {
            let encoded = [EncodedEvent(event)]
            for id in open {
                try? manager.send(encoded: encoded, to: .client(id)) { _ in }
            }
        }
        _ = clock.schedule(at: clock.now + Self.interval) { [weak self] in self?.tick() }
    }

    private static func append<Value>(_ value: Value, to history: inout [Value]) {
        history.append(value)
        if history.count > historyLength { history.removeFirst(history.count - historyLength) }
    }

    /// The event the admin page draws.
    private func figures(_ statistics: ManagerStatistics, servers: [String]?, deliveries: [Double], queued: [Int]) -> CustomEvent {
        let metrics = statistics.metrics
        func number(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
        let locations: [JSONValue] = statistics.topLocations.map { location in
            .object([
                "location": .string(location.location), "clients": number(location.clients),
                "principals": number(location.principals), "anonymous": number(location.anonymous),
            ])
        }
        var fields: JSONObject = [
            "at": number(Int(time(nil))),
            "node": nodeTag.map { number(Int($0)) } ?? .null,
            "clients": number(metrics.clients),
            "parkedPolls": number(metrics.parkedPolls),
            "locations": number(metrics.locations),
            "queuedEvents": number(statistics.queuedEvents),
            "queuedBytes": number(statistics.queuedBytes),
            "eventsQueued": number(metrics.eventsQueued),
            "eventsDelivered": number(metrics.eventsDelivered),
            "evictions": number(metrics.evictions),
            "expirations": number(metrics.expirations),
            "deliveriesPerSecond": .array(deliveries.map { .number(JSONNumber(($0 * 10).rounded() / 10)) }),
            "queueDepth": .array(queued.map(number)),
            "topLocations": .array(locations),
        ]
        if let servers { fields["servers"] = .array(servers.map { .string($0) }) }
        return CustomEvent(verb: Self.verb, fields: fields)
    }
}
