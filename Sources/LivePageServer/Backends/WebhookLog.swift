import Synchronization

/// A webhook's log lines, at most one a second: a backend that is down while a thousand
/// inputs a second arrive makes one line a second, saying how many were left out.
final class WebhookLog: Sendable {
    private let name: String
    private let sink: @Sendable (String) -> Void
    private let state = Mutex<(last: ContinuousClock.Instant?, suppressed: Int)>((nil, 0))

    /// A log for the webhook `name` (`input webhook`), writing to `sink`.
    init(name: String, sink: @escaping @Sendable (String) -> Void) {
        self.name = name
        self.sink = sink
    }

    /// Logs `line`, unless a line went out less than a second ago.
    func callFailed(_ line: String) {
        let now = ContinuousClock.now
        let suppressed = state.withLock { state -> Int? in
            if let last = state.last, now - last < .seconds(1) {
                state.suppressed += 1
                return nil
            }
            defer { state = (now, 0) }
            return state.suppressed
        }
        guard let suppressed else { return }
        let more = suppressed > 0 ? " (\(suppressed) more such failures in the last second not logged)" : ""
        sink("\(name): \(line)\(more)")
    }
}
