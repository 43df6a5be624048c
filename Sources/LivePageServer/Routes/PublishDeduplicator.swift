import LivePageEvents
import LivePageHTTP
import Synchronization

/// Remembers the answers of publishes that carried an `id` for 5 minutes, so that a
/// backend retrying a publish (after a timeout, say) does not deliver it twice.
///
/// A repeat that arrives while the first is still in flight waits for its answer. Only
/// successful answers are remembered: a publish that failed was not delivered, so its
/// retry must be.
final class PublishDeduplicator: PublishDeduplication {
    /// How long an id is remembered.
    static let window: Duration = .seconds(300)
    /// How many ids are remembered at most; the oldest are forgotten first.
    static let capacity = 100_000

    private struct Entry {
        /// The publish while it is under way; only its answer once it is done, so that a
        /// remembered id does not keep the publication's events alive for the window.
        enum Answer {
            case pending(Task<Result<HTTPResponse, any Error>, Never>)
            case done(HTTPResponse)
        }

        var answer: Answer
        let expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [ExactName: Entry] = [:]
        var order: [(id: ExactName, expires: ContinuousClock.Instant)] = []
        var head = 0
    }

    private let state = Mutex(State())

    /// The answer of the publish `id`: the remembered one, or `publish`'s.
    func response(
        for id: String,
        _ publish: @escaping @Sendable () async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        let now = ContinuousClock.now
        let id = ExactName(id)
        let answer = state.withLock { state -> Entry.Answer in
            Self.forgetExpired(in: &state, now: now)
            if let entry = state.entries[id], entry.expires > now { return entry.answer }
            let task = Task { () -> Result<HTTPResponse, any Error> in
                do { return .success(try await publish()) } catch { return .failure(error) }
            }
            state.entries[id] = Entry(answer: .pending(task), expires: now + Self.window)
            state.order.append((id, now + Self.window))
            return .pending(task)
        }
        let task: Task<Result<HTTPResponse, any Error>, Never>
        switch answer {
        case .done(let response): return response
        case .pending(let pending): task = pending
        }
        switch await task.value {
        case .success(let response):
            state.withLock { state in
                if state.entries[id]?.expires == now + Self.window { state.entries[id]?.answer = .done(response) }
            }
            return response
        case .failure(let error):
            state.withLock { state in
                if state.entries[id]?.expires == now + Self.window { state.entries[id] = nil }
            }
            throw error
        }
    }

    private static func forgetExpired(in state: inout State, now: ContinuousClock.Instant) {
        while state.head < state.order.count,
            state.order[state.head].expires <= now || state.order.count - state.head > capacity
        {
            let (id, expires) = state.order[state.head]
            if state.entries[id]?.expires == expires { state.entries[id] = nil }
            state.head += 1
        }
        if state.head > 1024, state.head * 2 > state.order.count {
            state.order.removeFirst(state.head)
            state.head = 0
        }
    }
}
