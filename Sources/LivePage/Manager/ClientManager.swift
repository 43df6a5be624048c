public import LivePageEvents
import Synchronization

/// Answers a parked output request; called once, on any thread, never with the
/// manager's lock held.
public typealias OutputWaiter = @Sendable (OutputAnswer) -> Void

/// The client manager of PROTOCOL.md: it registers clients, queues their events with
/// gap-free seqs, parks their long-polls, routes input and sends, and knows who is
/// online at each location.
///
/// It knows no HTTP: the server turns requests into calls here and answers into
/// responses. Its state is behind one lock, held for short sections that never await,
/// so a parked poll costs a closure in a client record, never a thread or a task.
/// Everything it sends goes through its ``EventBus``, so that several servers can share
/// one order of events.
public final class ClientManager: Sendable {
    /// The timings and limits.
    public let configuration: Configuration
    /// The factories that turn input fields into events.
    public let registry: EventRegistry
    let clock: any LivePageClock
    let bus: any EventBus
    let state: Mutex<State>
    let inputHandlerStorage: Mutex<InputHandler>
    let localPresenceObserver = Mutex<LocalPresenceObserver?>(nil)
    let presenceChangeObserver = Mutex<PresenceChangeObserver?>(nil)

    /// A manager.
    ///
    /// - Parameters:
    ///   - configuration: Timings and limits (default PROTOCOL.md's).
    ///   - registry: The event factories for input (default the built-in verbs).
    ///   - clock: Time and timers (default the system clock; tests pass a ``ManualClock``).
    ///   - bus: Where sends go before they reach clients (default in memory, this
    ///     manager's own clients only).
    public init(
        configuration: Configuration = Configuration(),
        registry: EventRegistry = EventRegistry(),
        clock: any LivePageClock = SystemClock.shared,
        bus: any EventBus = LocalEventBus()
    ) {
        self.configuration = configuration
        self.registry = registry
        self.clock = clock
        self.bus = bus
        // Ticks of 50 ms, finer for a short refresh, so a hold time stays between 0.9 and 1.0
        // times the refresh.
        let resolution = min(.milliseconds(50), configuration.refresh * 0.02)
        let hold = HoldWheel(longestHold: configuration.refresh, resolution: resolution, now: clock.now)
        self.state = Mutex(State(rememberedGoneClients: configuration.rememberedGoneClients, hold: hold))
        self.inputHandlerStorage = Mutex(ClientManager.defaultInputHandler)
        bus.attach(to: BusEndpoint(self))
        scheduleExpiryCheck()
    }

    /// Registers a client for a page at `location`.
    ///
    /// - Parameters:
    ///   - location: What the page shows, 1 to 512 bytes without control characters.
    ///   - principal: The user behind the page, or `nil` for anonymous; at most 256
    ///     bytes without control characters. The caller has authenticated it.
    ///   - presence: What the client hears of who is online. With `list` or `count`, its
    ///     first event (seq 1) is the full presence state.
    ///   - meta: What a backend says of the client (``ClientInfo/meta``); its `name` is
    ///     shown by presence instead of the principal's id.
    /// - Returns: The client's id and what its page needs to start polling.
    /// - Throws: ``ManagerError`` for an invalid location or principal, or a limit:
    ///   clients per server, per principal, or distinct locations.
    public func register(
        at location: String,
        principal: String?,
        presence: PresenceMode = .none,
        meta: JSONObject? = nil
    ) throws(ManagerError) -> Registration {
        try Self.validate(location: location)
        if let principal { try Self.validate(principal: principal) }
        let client = try locked { state, now, answers throws(ManagerError) -> ClientInfo in
            guard !state.isShuttingDown else { throw .shuttingDown }
            guard state.clients.count < configuration.maximumClients else {
                throw .tooManyClients(limit: configuration.maximumClients)
            }
            if let principal {
                if state.principals[ExactName(principal), default: []].count >= configuration.maximumClientsPerPrincipal {
                    throw .tooManyClientsForPrincipal(limit: configuration.maximumClientsPerPrincipal)
                }
            } else if state.anonymousClients >= configuration.maximumAnonymousClients {
                throw .tooManyAnonymousClients(limit: configuration.maximumAnonymousClients)
            }
            let locationState: LocationState
            if let existing = state.locations[ExactName(location)] {
                locationState = existing
            } else {
                guard state.locations.count < configuration.maximumLocations else {
                    throw .tooManyLocations(limit: configuration.maximumLocations)
                }
                locationState = LocationState(name: location, listLimit: configuration.presenceListLimit)
                _ = locationState.setRemote(state.remote[ExactName(location)])
                state.locations[ExactName(location)] = locationState
            }
            var id = ClientID(nodeTag: configuration.nodeTag)
            while state.clients[id] != nil { id = ClientID(nodeTag: configuration.nodeTag) }
            let info = ClientInfo(id: id, location: location, principal: principal, presence: presence, meta: meta)
            let record = ClientRecord(info: info, location: locationState, expiresAt: now + configuration.firstPollTimeout)
            state.clients[id] = record
            state.addToEveryone(record)
            if let principal {
                state.principals[ExactName(principal), default: []].append(record)
            } else {
                state.anonymousClients += 1
            }
            let changed = locationState.add(record)
            if changed { principalChanged(record, joined: true, answers: &answers) }
            if presence != .none {
                sendPresenceState(to: record, in: &state, answers: &answers)
            }
            if changed {
                localPresenceChanged(at: location, in: &state, now: now)
                presenceChanged(at: locationState, in: &state, now: now, answers: &answers)
            }
            return info
        }
        return Registration(client: client, refresh: Self.wholeSeconds(roundingUp: configuration.refresh), after: 0)
    }

    /// Closes a client at once (its page went away, or the application ends it): its
    /// parked poll is answered `gone(.closed)` and presence is updated without waiting
    /// for expiry. Closing an unknown id does nothing.
    public func close(_ id: ClientID) {
        locked { state, now, answers in
            guard let record = state.clients[id] else { return }
            remove(record, reason: .closed, in: &state, now: now, answers: &answers)
        }
    }

    /// What the manager knows of the client `id`, or `nil` if it is not registered.
    public func client(_ id: ClientID) -> ClientInfo? {
        state.withLock { $0.clients[id]?.info }
    }

    /// Why the client `id` cannot be used: ``ClientGoneReason/unknown`` for an id never
    /// seen (or long forgotten), otherwise how it went. Only meaningful when
    /// ``client(_:)`` is `nil`.
    public func goneReason(for id: ClientID) -> ClientGoneReason {
        state.withLock { $0.clients[id] == nil ? $0.gone.reason(for: id) : .unknown }
    }

    /// Who is online at `location`: sorted unique principals and the anonymous count.
    /// Above the presence list limit, the principals are left out (``Online/isListed`` is
    /// `false`) and only the totals are given, as for `list` clients.
    public func online(at location: String) -> Online {
        state.withLock { state in
            let limit = configuration.presenceListLimit
            guard let here = state.locations[ExactName(location)] else {
                let remote = state.remote[ExactName(location)] ?? .empty
                let listed = remote.principals.count <= limit
                return Online(
                    location: location,
                    principals: listed ? remote.principals : nil,
                    count: remote.principals.count,
                    anonymous: remote.anonymous
                )
            }
            return Online(location: location, principals: here.principals, count: here.count, anonymous: here.anonymous)
        }
    }

    /// The manager's counters and gauges now.
    public var metrics: ManagerMetrics {
        state.withLock { state in
            var metrics = state.metrics
            metrics.clients = state.clients.count
            metrics.locations = state.locations.count
            return metrics
        }
    }

    /// Starts shutting down: every parked poll is answered ``OutputAnswer/shuttingDown``,
    /// as is every later poll, and registration is refused.
    public func shutDown() {
        var answers = PendingAnswers()
        state.withLock { state in
            state.isShuttingDown = true
            let now = clock.now
            for record in state.clients.values {
                answerParked(record, with: .shuttingDown, in: &state, now: now, answers: &answers)
            }
        }
        answers.deliver()
    }

    /// `duration` in whole seconds, rounded up: a page told a shorter refresh than the
    /// server's would give up on polls the server is still holding.
    static func wholeSeconds(roundingUp duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) + (attoseconds > 0 ? 1 : 0)
    }

    static func validate(location: String) throws(ManagerError) {
        let count = location.utf8.count
        guard count >= 1, count <= 512 else { throw .invalidLocation("must be 1 to 512 bytes long") }
        guard !location.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw .invalidLocation("must not contain control characters")
        }
    }

    static func validate(principal: String) throws(ManagerError) {
        let count = principal.utf8.count
        guard count >= 1, count <= 256 else { throw .invalidPrincipal("must be 1 to 256 bytes long") }
        guard !principal.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw .invalidPrincipal("must not contain control characters")
        }
    }
}
