import LivePage
import LivePageEvents
import LivePageRedis
package import LivePageSystem
import Synchronization

/// The event bus of several LivePage servers behind one address, on one Redis.
///
/// Every send, input and disconnect goes out as one `PUBLISH` on the bus channel, and
/// every server, the sender included, queues events only from its subscription, so all
/// servers see one order. `PUBLISH` answers how many servers got the message; each
/// reports its delivery count back, and the sender sums them (waiting at most
/// ``Configuration/replyTimeout``). If Redis cannot take a publish, the send fails
/// (`503`), never silently.
///
/// Presence: each server keeps its part of each location in Redis and announces its
/// changes; the others merge them (see `RedisEventBus+Presence.swift`).
///
/// Failure is loud: a server that loses its subscription suspends output (`503`), and
/// when it is subscribed again, drops the clients whose events it may have missed
/// (`410`, their pages reload) before it serves again.
///
/// Not public: an embedder sets ``LivePageServer/Configuration/redis`` and calls
/// ``LivePageServer/connecting(configuration:registry:clock:pages:)``, which builds the bus
/// and the publish deduplicator that shares its Redis together.
package final class RedisEventBus: EventBus {
    /// How the bus uses Redis.
    package struct Configuration: Sendable {
        /// Where Redis is, and its timeouts.
        package var redis: RedisConfiguration
        /// The tag of this server (the first byte of its client ids), for logs.
        package var nodeTag: UInt8
        /// How long a sender waits for the servers' delivery counts. Default 2 s.
        package var replyTimeout: Duration = .seconds(2)
        /// How often this server says it is alive. Default 3 s.
        package var heartbeatInterval: Duration = .seconds(3)
        /// How long a server that stopped saying so counts as alive; its principals leave
        /// the others' presence within this plus a heartbeat. Default 10 s.
        package var livenessTimeout: Duration = .seconds(10)
        /// The prefix of every channel and key. Default `livepage`.
        package var keyPrefix = "livepage"

        /// A bus on the Redis at `redis`, for the server tagged `nodeTag`.
        package init(redis: RedisConfiguration, nodeTag: UInt8) {
            self.redis = redis
            self.nodeTag = nodeTag
        }
    }

    struct State {
        /// The manager's side, once attached.
        var manager: BusEndpoint?
        var tallies: [String: DeliveryTally] = [:]
        var replica = PresenceReplica()
        var hasBeenSubscribed = false
        var isStopped = false
        /// Set when this server's presence in Redis may be wrong (a write failed, or Redis
        /// lost it): all of it is written again after the next heartbeat.
        var mustRepublishPresence = false
    }

    let configuration: Configuration
    /// This run of this server: a restarted server is a new incarnation.
    let incarnation: String
    let command: RedisConnection
    let state = Mutex(State())
    let subscriber = Mutex<RedisSubscriber?>(nil)
    let log: @Sendable (String) -> Void
    /// Reports of this server's presence, written to Redis in order.
    let presenceReports: AsyncStream<[String: PresencePart]>.Continuation
    let background = Mutex<[Task<Void, Never>]>([])

    /// A bus that is not yet connected (``connect(on:)``): it exists before the server's
    /// event loops, which its Redis connections run on, since the manager is made with it.
    package init(_ configuration: Configuration, log: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.command = RedisConnection(configuration.redis)
        self.log = log
        var random = SystemRandomNumberGenerator()
        self.incarnation = String(configuration.nodeTag, radix: 16) + "-" + String(random.next() as UInt64, radix: 36)
        let (reports, continuation) = AsyncStream<[String: PresencePart]>.makeStream()
        self.presenceReports = continuation
        background.withLock { $0.append(Task { [weak self] in await self?.writePresence(reports) }) }
    }

    /// Connects to Redis on `reactor` (an event loop of the server), loads the other
    /// servers' presence and subscribes.
    /// - Throws: `RedisError` when Redis cannot be reached (a clear message naming it).
    package func connect(on reactor: any Reactor) async throws(RedisError) {
        try await command.connect(on: reactor)
        try await heartbeat()
        try await loadPresence()
        let subscriber = try await RedisSubscriber.connect(
            configuration.redis,
            on: reactor,
            channels: [busChannel, replyChannel, presenceChannel],
            onMessage: { [weak self] message in self?.receive(message) },
            onEvent: { [weak self] event in self?.subscriptionChanged(event) }
        )
        self.subscriber.withLock { $0 = subscriber }
        background.withLock { $0.append(Task { [weak self] in await self?.keepAlive() }) }
    }

    var busChannel: String { configuration.keyPrefix + ":bus" }
    var replyChannel: String { configuration.keyPrefix + ":reply:" + incarnation }
    var presenceChannel: String { configuration.keyPrefix + ":presence" }

    /// Takes the manager whose clients get what comes off the bus, reports its presence
    /// to the other servers, and gives it theirs.
    package func attach(to manager: BusEndpoint) {
        let replica = state.withLock { state in
            state.manager = manager
            return state.replica.all
        }
        for (location, part) in replica { manager.setRemotePresence(part, at: location) }
        manager.observeLocalPresence { [weak self] parts in self?.presenceReports.yield(parts) }
    }

    /// Publishes `message` to every server, this one included, and sums the counts they
    /// report back within the reply timeout.
    /// - Throws: ``ManagerError/unavailable`` when Redis cannot take the publish.
    package func publish(_ message: BusMessage) async throws(ManagerError) -> Int {
        var random = SystemRandomNumberGenerator()
        let request = String(random.next() as UInt64, radix: 36)
        let tally = DeliveryTally()
        state.withLock { $0.tallies[request] = tally }
        defer { state.withLock { _ = $0.tallies.removeValue(forKey: request) } }
        let envelope = BusEnvelope(origin: incarnation, request: request, message: message)
        let receivers: Int
        do {
            receivers = try await command.publish(envelope.encoded(), to: busChannel)
        } catch {
            log("redis: a publish failed (\(error)); answering 503")
            throw .unavailable
        }
        return await tally.total(expecting: receivers, timeout: configuration.replyTimeout)
    }

    /// Leaves the bus: this server's presence is removed from Redis at once, so the other
    /// servers drop its principals without waiting for its liveness to expire.
    package func shutDown() async {
        let locations = state.withLock { state -> [String] in
            state.isStopped = true
            return Array((state.manager?.localPresence ?? [:]).keys)
        }
        for task in background.withLock({ $0 }) { task.cancel() }
        presenceReports.finish()
        for location in locations {
            await writeLocalPart(.empty, at: location)
        }
        _ = try? await command.delete([nodeKey(incarnation), locationsKey(incarnation)])
        subscriber.withLock { $0?.close() }
        command.close()
    }

    /// A message from the subscription, on the subscriber's event loop, in order.
    private func receive(_ message: RedisMessage) {
        switch message.channel {
        case busChannel:
            guard let envelope = BusEnvelope(decoding: message.payload) else {
                log("redis: skipped a message on \(busChannel) that is not a LivePage bus message")
                return
            }
            let channel = configuration.keyPrefix + ":reply:" + envelope.origin
            let reply = { @Sendable [command] (count: Int) in
                let reply = Array("\(envelope.request) \(count)".utf8)
                Task { _ = try? await command.publish(reply, to: channel) }
            }
            guard let manager = state.withLock({ $0.manager }) else { return reply(0) }
            manager.deliverLocally(envelope.message, completion: reply)
        case replyChannel:
            let parts = message.payload.split(separator: UInt8(ascii: " "))
            guard parts.count == 2, let count = Int(String(decoding: parts[1], as: UTF8.self)) else { return }
            let request = String(decoding: parts[0], as: UTF8.self)
            state.withLock { $0.tallies[request] }?.add(count)
        case presenceChannel:
            receivePresence(message.payload)
        default:
            break
        }
    }

    /// Makes a lost subscription loud: output stops while it is lost; once it is back,
    /// the clients that may have missed events are dropped, and output resumes.
    private func subscriptionChanged(_ event: RedisSubscriberEvent) {
        switch event {
        case .lost(let error):
            log("redis: subscription lost (\(error)); output suspended until it is back")
            state.withLock { $0.manager }?.suspendOutput()
        case .subscribed:
            let isFirst = state.withLock { state in
                defer { state.hasBeenSubscribed = true }
                return !state.hasBeenSubscribed
            }
            guard !isFirst else { return }
            Task { [weak self] in await self?.resubscribed() }
        case .reconnectFailed(let error):
            log("redis: still cannot subscribe (\(error)); retrying")
        }
    }

    private func resubscribed() async {
        guard let manager = state.withLock({ $0.manager }) else { return }
        // Redis may have restarted empty, without this server's liveness key: say it is
        // alive before writing presence again, or the others' sweep takes it for dead.
        let isAlive: Bool
        do {
            try await heartbeat()
            isAlive = true
        } catch {
            isAlive = false
        }
        let dropped = manager.dropAllClients(reason: .evicted)
        log("redis: subscribed again; \(dropped) clients that may have missed events were told to reload")
        try? await loadPresence()
        for (location, part) in state.withLock({ $0.replica.all }) { manager.setRemotePresence(part, at: location) }
        if isAlive {
            await republishPresence()
        } else {
            // The subscription came back before the command connection. Written now, this
            // server's part would be swept by the others with its missing liveness key, and
            // never written again: the keep-alive loop writes it after its next heartbeat.
            state.withLock { $0.mustRepublishPresence = true }
        }
        manager.resumeOutput()
    }
}
