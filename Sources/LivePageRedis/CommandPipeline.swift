import LivePageSystem
import Synchronization

/// The state a `RedisConnection` shares between its callers and its link's loop: the
/// bytes of commands not yet written, and the callers waiting for replies, oldest first.
///
/// Redis answers the commands of one connection in the order it receives them, so the
/// n-th value read is the reply to the n-th command written: replies are matched to
/// waiters by position alone. Each waiter's continuation is taken out under the lock by
/// exactly one of the reply, the reply timeout, the loss of the connection, or the
/// caller's cancellation, and resumed after the lock is released: exactly once.
///
/// A `Mutex` rather than an actor: the link's loop is not a Swift task and must never
/// wait for one, and every critical section here is a few assignments.
final class CommandPipeline: RedisLinkDriver {
    typealias Reply = CheckedContinuation<Result<RESPValue, RedisError>, Never>
    typealias Start = CheckedContinuation<Result<Void, RedisError>, Never>

    private struct Waiter {
        let id: UInt64
        /// `nil` once the caller was cancelled: the reply is still read, and discarded.
        var continuation: Reply?
        let deadline: MonotonicTime
    }

    private enum Status {
        case starting(Start?)
        case connected
        case disconnected(RedisError)
        case closed
    }

    private struct State {
        var status = Status.starting(nil)
        var output = LinkOutput()
        var waiters = FIFOQueue<Waiter>()
        /// The link to tell of output; weak, as the link holds its driver.
        weak var link: RedisLink?
    }

    private let state = Mutex(State())
    private let nextID = Atomic<UInt64>(0)
    private let configuration: RedisConfiguration
    private let onEvent: (@Sendable (RedisConnectionEvent) -> Void)?

    init(configuration: RedisConfiguration, onEvent: (@Sendable (RedisConnectionEvent) -> Void)?) {
        self.configuration = configuration
        self.onEvent = onEvent
    }

    /// Starts `link` and waits for its first connection.
    func start(_ link: RedisLink) async -> Result<Void, RedisError> {
        await withCheckedContinuation { (continuation: Start) in
            state.withLock { state in
                state.status = .starting(continuation)
                state.link = link
            }
            link.start(driver: self)
        }
    }

    /// Whether the connection is up.
    var isConnected: Bool {
        state.withLock { state in
            if case .connected = state.status { return true }
            return false
        }
    }

    /// Refuses new commands from now on; the link fails those waiting when it stops.
    func close() {
        state.withLock { state in
            if case .starting = state.status { return }
            state.status = .closed
        }
    }

    /// Sends `command` and waits for its reply.
    func send(_ command: RedisCommand) async -> Result<RESPValue, RedisError> {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: Reply) in
                enqueue(command, id: id, continuation: continuation)
            }
        } onCancel: {
            cancel(id)
        }
    }

    private func enqueue(_ command: RedisCommand, id: UInt64, continuation: Reply) {
        let host = configuration.host
        let port = configuration.port
        let bytes = command.encoded()
        let (failure, wake) = state.withLock { state -> (RedisError?, RedisLink?) in
            switch state.status {
            case .connected: break
            case .disconnected(let error):
                return (RedisError.notConnected(host: host, port: port).with(detail: "\(error)"), nil)
            case .starting: return (RedisError.notConnected(host: host, port: port), nil)
            case .closed: return (.closed, nil)
            }
            guard state.waiters.count < configuration.maximumPendingCommands else {
                return (.tooManyPendingCommands(limit: configuration.maximumPendingCommands), nil)
            }
            // Checked under the lock: a cancellation either comes before (seen here) or
            // finds the waiter below.
            guard !Task.isCancelled else { return (.cancelled, nil) }
            state.waiters.append(
                Waiter(id: id, continuation: continuation, deadline: MonotonicTime.now() + configuration.replyTimeout))
            return (nil, state.output.append { $0.append(contentsOf: bytes) } ? state.link : nil)
        }
        if let failure { continuation.resume(returning: .failure(failure)) }
        wake?.outputAvailable()
    }

    private func cancel(_ id: UInt64) {
        let continuation = state.withLock { state in
            state.waiters.updateFirst(where: { $0.id == id }) { waiter in
                defer { waiter.continuation = nil }
                return waiter.continuation
            }
        }
        continuation??.resume(returning: .failure(.cancelled))
    }

    // MARK: - On the link's loop

    func linkDidConnect(at now: MonotonicTime) {
        let start = state.withLock { state -> Start?? in
            switch state.status {
            case .starting(let start):
                state.status = .connected
                return .some(start)
            case .closed:
                return nil
            case .connected, .disconnected:
                state.status = .connected
                return .some(nil)
            }
        }
        guard let start else { return }
        start?.resume(returning: .success(()))
        onEvent?(.connected)
    }

    func linkDidFailToStart(_ error: RedisError) {
        let start = state.withLock { state -> Start? in
            defer { state.status = .closed }
            if case .starting(let start) = state.status { return start }
            return nil
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
        guard let waiter = state.withLock({ $0.waiters.popFirst() }) else {
            throw RedisError.connectionLost(host: configuration.host, port: configuration.port)
                .with(detail: "Redis sent a reply no command waited for: \(value)")
        }
        if case .error(let message) = value {
            waiter.continuation?.resume(returning: .failure(.reply(message)))
        } else {
            waiter.continuation?.resume(returning: .success(value))
        }
    }

    func nextDeadline() -> MonotonicTime? {
        state.withLock { $0.waiters.first?.deadline }
    }

    func linkDidReachDeadline(at now: MonotonicTime) throws(RedisError) {
        let expired = state.withLock { state -> Waiter? in
            guard let first = state.waiters.first, first.deadline <= now else { return nil }
            return state.waiters.popFirst()
        }
        guard let expired else { return }
        let host = configuration.host
        let port = configuration.port
        expired.continuation?.resume(returning: .failure(.replyTimeout(host: host, port: port)))
        // Its reply may still come, and would be taken for the next command's: the
        // connection cannot be trusted any more.
        throw RedisError.connectionLost(host: host, port: port).with(detail: "reset after a reply timed out")
    }

    func linkDidLose(_ error: RedisError) {
        let (waiters, report) = state.withLock { state -> ([Waiter], Bool) in
            let waiters = state.waiters.removeAll()
            state.output.discard()
            if case .closed = state.status { return (waiters, false) }
            state.status = error == .closed ? .closed : .disconnected(error)
            return (waiters, error != .closed)
        }
        for waiter in waiters { waiter.continuation?.resume(returning: .failure(error)) }
        if report { onEvent?(.disconnected(error)) }
    }
}
