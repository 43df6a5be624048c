import LivePage
import LivePageEvents
import Synchronization
import Testing

/// A client manager on a ``ManualClock``, with shortcuts for what nearly every test does:
/// register, poll, send. Time moves only with ``advance(by:)``.
struct Harness {
    let manager: ClientManager
    let clock: ManualClock

    /// A manager with the default configuration changed by `configure`.
    init(registry: EventRegistry = EventRegistry(), _ configure: (inout ClientManager.Configuration) -> Void = { _ in }) {
        var configuration = ClientManager.Configuration()
        configure(&configuration)
        clock = ManualClock()
        manager = ClientManager(configuration: configuration, registry: registry, clock: clock)
    }

    /// Registers a client and returns its id.
    @discardableResult
    func register(_ principal: String?, at location: String = "/zorg", presence: PresenceMode = .none) throws -> ClientID {
        try manager.register(at: location, principal: principal, presence: presence).client.id
    }

    /// Starts an output request with ``ClientManager/poll(_:after:waiter:)``.
    func poll(_ id: ClientID, after: UInt64 = 0) throws -> Poll {
        try Poll(manager: manager, client: id, after: after, clock: clock)
    }

    /// The answer to an output request that must be answered at once.
    /// - Throws: ``UnexpectedAnswer`` if the request parks (it is cancelled then).
    func answer(_ id: ClientID, after: UInt64 = 0) throws -> OutputAnswer {
        let poll = try poll(id, after: after)
        guard let answer = poll.immediateAnswer else {
            if let ticket = poll.ticket { manager.cancelPoll(ticket) }
            throw UnexpectedAnswer(description: "the poll parked instead of being answered at once")
        }
        return answer
    }

    /// The events of an output request that must be answered at once with events.
    /// - Throws: ``UnexpectedAnswer`` for any other answer.
    func events(_ id: ClientID, after: UInt64 = 0) throws -> OutputBatch {
        let answer = try answer(id, after: after)
        guard case .events(let batch) = answer, !batch.isEmpty else {
            throw UnexpectedAnswer(description: "expected events, got \(answer.summary)")
        }
        return batch
    }

    /// Sends `event` to `audience` and returns the number of deliveries.
    @discardableResult
    func send(_ event: any Event, to audience: Audience) async throws -> Int {
        try await manager.send(event, to: audience)
    }

    /// Sends `events` to `audience` and returns the number of deliveries.
    @discardableResult
    func send(_ events: [any Event], to audience: Audience) async throws -> Int {
        try await manager.send(events, to: audience)
    }

    /// Runs `body` while the timers due now run every millisecond, time standing still:
    /// a delivery too large for one slice goes on in the clock's timers, which a manual
    /// clock runs only when told.
    func runningDueTimers<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        let clock = clock
        let pump = Task {
            while !Task.isCancelled {
                clock.advance(by: .zero)
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        defer { pump.cancel() }
        return try await body()
    }

    /// Moves the clock forward, running every timer that falls due.
    func advance(by duration: Duration) {
        clock.advance(by: duration)
    }

    /// Moves the clock forward to `time` since its start.
    func advance(to time: Duration) {
        clock.advance(by: time - clock.now)
    }

    /// The principals online at `location`, and the anonymous count, as one line.
    func online(at location: String = "/zorg") -> String {
        let online = manager.online(at: location)
        return "\(online.principals) +\(online.anonymous)"
    }
}

/// An output request was not answered as the test expected.
struct UnexpectedAnswer: Error, CustomStringConvertible {
    let description: String
}

/// One output request made with ``ClientManager/poll(_:after:waiter:)``: answered at
/// once, or parked, with every answer its waiter was given since and when.
final class Poll: Sendable {
    private struct State {
        var immediateAnswer: OutputAnswer?
        var ticket: ClientManager.PollTicket?
        var waiterAnswers: [(answer: OutputAnswer, time: Duration)] = []
    }

    private let state = Mutex(State())

    init(manager: ClientManager, client: ClientID, after: UInt64, clock: ManualClock) throws {
        let result = try manager.poll(client, after: after) { answer in
            self.state.withLock { $0.waiterAnswers.append((answer, clock.now)) }
        }
        state.withLock { state in
            switch result {
            case .answered(let answer): state.immediateAnswer = answer
            case .parked(let ticket): state.ticket = ticket
            }
        }
    }

    /// The answer given at once, if the request did not park.
    var immediateAnswer: OutputAnswer? { state.withLock { $0.immediateAnswer } }

    /// The ticket of the parked request, if it parked.
    var ticket: ClientManager.PollTicket? { state.withLock { $0.ticket } }

    /// Whether the request parked and has not been answered yet.
    var isParked: Bool { state.withLock { $0.ticket != nil && $0.waiterAnswers.isEmpty } }

    /// The answers given to the waiter, as ``OutputAnswer/summary`` (there must be at most one).
    var waiterAnswers: [String] { state.withLock { $0.waiterAnswers.map(\.answer.summary) } }

    /// The one answer, given at once or to the waiter, if any yet.
    var answer: OutputAnswer? { state.withLock { $0.immediateAnswer ?? $0.waiterAnswers.first?.answer } }

    /// The clock's reading when the waiter was answered.
    var answeredAt: Duration? { state.withLock { $0.waiterAnswers.first?.time } }

    /// The events of the answer, if it was one with events.
    var batch: OutputBatch? { answer?.batch }
}

extension OutputAnswer {
    /// `"idle"`, `"events 1...3"`, `"superseded"`, `"gone(closed)"` or `"shuttingDown"`.
    var summary: String {
        switch self {
        case .events(let batch) where batch.isEmpty: "idle"
        case .events(let batch): "events \(batch.seqs.map(String.init).joined(separator: ","))"
        case .superseded: "superseded"
        case .gone(let reason): "gone(\(reason))"
        case .shuttingDown: "shuttingDown"
        case .unavailable: "unavailable"
        }
    }

    /// The batch of an answer with events (or an idle one).
    var batch: OutputBatch? {
        if case .events(let batch) = self { return batch }
        return nil
    }
}

extension OutputBatch {
    /// The seqs of the events, in order.
    var seqs: [UInt64] { items.map(\.seq) }

    /// The text forms of the events, in order.
    var textForms: [String] { items.map(\.event.textForm) }

    /// The events as a page parses them, `seq` included.
    var objects: [JSONObject] { items.map { $0.event.json(seq: $0.seq) } }

    /// The answer body as text.
    var jsonText: String { String(decoding: jsonBytes(), as: UTF8.self) }
}

extension JSONObject {
    /// The object with `seq` in front of its members, as a page receives an event.
    func delivered(seq: Int) -> JSONObject {
        var object: JSONObject = ["seq": .number(JSONNumber(seq))]
        for (key, value) in self { object[key] = value }
        return object
    }
}

/// Waits until `condition` holds, for what offers nothing to await (a poll parking in
/// another task), yielding meanwhile; fails the test after 30 s.
func waitUntil(
    _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () -> Bool
) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        await Task.yield()
    }
}
