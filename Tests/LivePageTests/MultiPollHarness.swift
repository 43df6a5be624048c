import LivePage
import Synchronization

/// One poll for several clients made with ``ClientManager/poll(_:waiter:)``: answered at
/// once, or parked, with every answer its waiter was given since.
final class MultiPoll: Sendable {
    private struct State {
        var immediateAnswer: MultiPollAnswer?
        var ticket: ClientManager.MultiPollTicket?
        var waiterAnswers: [MultiPollAnswer] = []
    }

    private let state = Mutex(State())

    init(manager: ClientManager, _ requests: [(ClientID?, UInt64)]) throws {
        let result = try manager.poll(requests.map { PollRequest(client: $0.0, after: $0.1) }) { answer in
            self.state.withLock { $0.waiterAnswers.append(answer) }
        }
        state.withLock { state in
            switch result {
            case .answered(let answer): state.immediateAnswer = answer
            case .parked(let ticket): state.ticket = ticket
            }
        }
    }

    /// The ticket of the parked request, if it parked.
    var ticket: ClientManager.MultiPollTicket? { state.withLock { $0.ticket } }

    /// Whether the request parked and has not been answered yet.
    var isParked: Bool { state.withLock { $0.ticket != nil && $0.waiterAnswers.isEmpty } }

    /// How many times the waiter was called (at most once).
    var waiterCalls: Int { state.withLock { $0.waiterAnswers.count } }

    /// The one answer, given at once or to the waiter, as one summary per client
    /// (`"idle"`, `"events 1,2"`, `"superseded"`, `"gone(closed)"`, `"after"`), or the
    /// whole answer's (`"shuttingDown"`); `nil` while parked.
    var summaries: [String]? {
        guard let answer = state.withLock({ $0.immediateAnswer ?? $0.waiterAnswers.first }) else { return nil }
        switch answer {
        case .results(let results): return results.map(\.summary)
        case .shuttingDown: return ["shuttingDown"]
        case .unavailable: return ["unavailable"]
        }
    }

    /// The batches of the answer, one per client (`nil` for a client without events).
    var batches: [OutputBatch?] {
        guard case .results(let results)? = state.withLock({ $0.immediateAnswer ?? $0.waiterAnswers.first }) else { return [] }
        return results.map { if case .events(let batch) = $0 { batch } else { nil } }
    }
}

extension ClientPollResult {
    var summary: String {
        switch self {
        case .events(let batch): OutputAnswer.events(batch).summary
        case .superseded: "superseded"
        case .gone(let reason): "gone(\(reason))"
        case .afterBeyondLastSeq: "after"
        }
    }
}

extension Harness {
    /// Starts a poll for several clients, each with its `after`.
    func poll(_ requests: [(ClientID?, UInt64)]) throws -> MultiPoll {
        try MultiPoll(manager: manager, requests)
    }

    /// Starts a poll for several clients, all with `after` 0.
    func poll(_ clients: [ClientID]) throws -> MultiPoll {
        try MultiPoll(manager: manager, clients.map { ($0, 0) })
    }
}
