import LivePageSystem
import Synchronization

/// The state a `RedisSubscriber` shares between its callers and its link's loop: the
/// channels wanted, which of them Redis has confirmed on the current connection, and the
/// callers of `subscribe(_:)` waiting for confirmations.
///
/// On every new connection it subscribes to all the channels again, and reports
/// `subscribed` once Redis has confirmed each. It checks a silent connection with `PING`
/// every `healthCheckInterval`, so a Redis that hangs is noticed as a loss too.
///
/// A `Mutex` rather than an actor, as in `CommandPipeline`: the link's loop is no task.
/// Messages and events are delivered outside the lock, on the link's loop, in the order
/// they were read.
final class Subscription: RedisLinkDriver {
    typealias Confirmation = CheckedContinuation<Result<Void, RedisError>, Never>

    private struct Waiter {
        let id: UInt64
        var remaining: Set<String>
        let continuation: Confirmation
    }

    private enum Status {
        case starting
        case subscribing
        case subscribed
        case disconnected(RedisError)
        case closed
    }

    private struct State {
        var status = Status.starting
        /// Waits for the first `subscribed`.
        var start: Confirmation?
        /// Every channel asked for, in order.
        var channels: [String] = []
        /// Channels Redis has confirmed on the current connection.
        var confirmed: Set<String> = []
        /// Channels asked for on the current connection and not yet confirmed.
        var requested: Set<String> = []
        var output = LinkOutput()
        var waiters: [Waiter] = []
        var lastReceived = MonotonicTime.now()
        /// When the health-check `PING` in flight must have been answered.
        var pingDeadline: MonotonicTime?
        /// The link to tell of output; weak, as the link holds its driver.
        weak var link: RedisLink?

        var isConnected: Bool {
            switch status {
            case .subscribing, .subscribed: true
            default: false
            }
        }
    }

    private let state = Mutex(State())
    private let nextID = Atomic<UInt64>(0)
    private let configuration: RedisConfiguration
    private let onMessage: @Sendable (RedisMessage) -> Void
    private let onEvent: (@Sendable (RedisSubscriberEvent) -> Void)?

    init(
        configuration: RedisConfiguration,
        onMessage: @escaping @Sendable (RedisMessage) -> Void,
        onEvent: (@Sendable (RedisSubscriberEvent) -> Void)?
    ) {
        self.configuration = configuration
        self.onMessage = onMessage
        self.onEvent = onEvent
    }

    /// Starts `link` and waits until Redis has confirmed every one of `channels`.
    func start(_ link: RedisLink, channels: [String]) async -> Result<Void, RedisError> {
        await withCheckedContinuation { (continuation: Confirmation) in
            state.withLock { state in
                state.start = continuation
                state.channels = Self.unique(channels)
                state.link = link
            }
            link.start(driver: self)
        }
    }

    /// Whether every channel is subscribed now.
    var isSubscribed: Bool {
        state.withLock { state in
            if case .subscribed = state.status { return state.requested.isEmpty }
            return false
        }
    }

    /// Every channel asked for, in order.
    var channels: [String] { state.withLock { $0.channels } }

    /// Refuses new subscriptions from now on.
    func close() {
        state.withLock { state in
            if case .starting = state.status { return }
            state.status = .closed
        }
    }

    /// Adds `channels` and waits until Redis confirms each.
    func subscribe(_ channels: [String]) async -> Result<Void, RedisError> {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: Confirmation) in
                add(channels, id: id, continuation: continuation)
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
            }
            waiter?.continuation.resume(returning: .failure(.cancelled))
        }
    }

    private func add(_ channels: [String], id: UInt64, continuation: Confirmation) {
        let host = configuration.host
        let port = configuration.port
        let (outcome, wake) = state.withLock { state -> (Result<Void, RedisError>?, RedisLink?) in
            if case .closed = state.status { return (.failure(.closed), nil) }
            let wanted = Self.unique(channels)
            state.channels += wanted.filter { !state.channels.contains($0) }
            let pending = wanted.filter { !state.confirmed.contains($0) }
            if pending.isEmpty { return (.success(()), nil) }
            guard state.isConnected else {
                var error = RedisError.notConnected(host: host, port: port)
                if case .disconnected(let reason) = state.status { error = error.with(detail: "\(reason)") }
                return (.failure(error), nil)
            }
            guard !Task.isCancelled else { return (.failure(.cancelled), nil) }
            let unrequested = pending.filter { !state.requested.contains($0) }
            state.waiters.append(Waiter(id: id, remaining: Set(pending), continuation: continuation))
            guard !unrequested.isEmpty else { return (nil, nil) }
            state.requested.formUnion(unrequested)
            return (nil, state.output.append(RedisCommand(["SUBSCRIBE"] + unrequested).encode) ? state.link : nil)
        }
        if let outcome { continuation.resume(returning: outcome) }
        wake?.outputAvailable()
    }

    // MARK: - On the link's loop

    func linkDidConnect(at now: MonotonicTime) {
        let channels = state.withLock { state -> [String]? in
            if case .closed = state.status { return nil }
            state.confirmed = []
            state.requested = Set(state.channels)
            state.lastReceived = now
            state.pingDeadline = nil
            state.output.discard()
            state.status = .subscribing
            if !state.channels.isEmpty { state.output.append(RedisCommand(["SUBSCRIBE"] + state.channels).encode) }
            return state.channels
        }
        // With no channel there is nothing to confirm.
        if channels?.isEmpty == true { confirm(nil) }
    }

    func linkDidFailToStart(_ error: RedisError) {
        let start = state.withLock { state in
            state.status = .closed
            defer { state.start = nil }
            return state.start
        }
        start?.resume(returning: .failure(error))
    }

    func linkDidFailToReconnect(_ error: RedisError) {
        let report = state.withLock { state in
            if case .closed = state.status { return false }
            state.status = .disconnected(error)
            return true
        }
        if report { onEvent?(.reconnectFailed(error)) }
    }

    func takeOutput(into stream: inout RedisStream) {
        let output = state.withLock { $0.output.take() }
        if !output.isEmpty { stream.enqueue(output) }
    }

    func linkDidReceive(_ value: RESPValue, at now: MonotonicTime) throws(RedisError) {
        state.withLock { state in
            state.lastReceived = now
            state.pingDeadline = nil
        }
        switch value {
        case .array(let items) where items.count == 3 && items[0].string == "message":
            guard let channel = items[1].string, let payload = items[2].bytes else { break }
            onMessage(RedisMessage(channel: channel, payload: payload))
            return
        case .array(let items) where items.count == 3 && items[0].string == "subscribe":
            guard let channel = items[1].string else { break }
            confirm(channel)
            return
        case .array(let items) where items.first?.string == "pong":
            return
        case .simpleString("PONG"):
            return
        case .error(let message):
            throw .reply(message)
        default:
            break
        }
        throw RedisError.unexpectedReply(to: "SUBSCRIBE").with(detail: value.description)
    }

    /// Records Redis's confirmation of `channel` (`nil`: none needed), and reports
    /// `subscribed` when none is missing any more.
    private func confirm(_ channel: String?) {
        let (done, start, subscribed) = state.withLock { state -> ([Waiter], Confirmation?, [String]?) in
            var done: [Waiter] = []
            if let channel {
                state.confirmed.insert(channel)
                state.requested.remove(channel)
                for index in state.waiters.indices.reversed() {
                    state.waiters[index].remaining.remove(channel)
                    if state.waiters[index].remaining.isEmpty { done.append(state.waiters.remove(at: index)) }
                }
            }
            guard case .subscribing = state.status, state.requested.isEmpty else { return (done.reversed(), nil, nil) }
            state.status = .subscribed
            defer { state.start = nil }
            return (done.reversed(), state.start, state.channels)
        }
        for waiter in done { waiter.continuation.resume(returning: .success(())) }
        start?.resume(returning: .success(()))
        if let subscribed { onEvent?(.subscribed(channels: subscribed)) }
    }

    func nextDeadline() -> MonotonicTime? {
        state.withLock { state in state.pingDeadline ?? state.lastReceived + configuration.healthCheckInterval }
    }

    func linkDidReachDeadline(at now: MonotonicTime) throws(RedisError) {
        let missed = state.withLock { state -> Bool in
            if let deadline = state.pingDeadline { return deadline <= now }
            guard state.lastReceived + configuration.healthCheckInterval <= now else { return false }
            state.output.append(RedisCommand(["PING"]).encode)
            state.pingDeadline = now + configuration.replyTimeout
            return false
        }
        if missed {
            throw RedisError.replyTimeout(host: configuration.host, port: configuration.port)
                .with(detail: "no answer to a health-check PING")
        }
    }

    func linkDidLose(_ error: RedisError) {
        let (waiters, start, report) = state.withLock { state -> ([Waiter], Confirmation?, Bool) in
            let waiters = state.waiters
            state.waiters = []
            state.output.discard()
            state.confirmed = []
            state.requested = []
            state.pingDeadline = nil
            defer { state.start = nil }
            let wasSubscribed: Bool
            if case .subscribed = state.status { wasSubscribed = true } else { wasSubscribed = false }
            if case .closed = state.status { return (waiters, state.start, false) }
            state.status = error == .closed ? .closed : .disconnected(error)
            return (waiters, state.start, wasSubscribed && error != .closed)
        }
        for waiter in waiters { waiter.continuation.resume(returning: .failure(error)) }
        start?.resume(returning: .failure(error))
        if report { onEvent?(.lost(error)) }
    }

    /// `channels` without repeats, in their first order.
    private static func unique(_ channels: [String]) -> [String] {
        var seen: Set<String> = []
        return channels.filter { seen.insert($0).inserted }
    }
}
