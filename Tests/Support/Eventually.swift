/// Polls `condition` until it holds or `timeout` passes.
///
/// For what a test cannot await directly (a metric reaching a value, a log line, a client
/// expiring): the deadline is generous, because it bounds only how long a failing test
/// takes, never how fast a passing one must be.
///
/// ```swift
/// #expect(try await eventually { try server.metric("livepage_parked_requests") == 1 })
/// ```
/// - Parameters:
///   - timeout: How long to keep trying (default 30 s).
///   - interval: The pause between attempts (default 20 ms).
///   - condition: The condition; an error it throws ends the wait and is rethrown.
/// - Returns: Whether the condition held before the deadline.
public func eventually(
    timeout: Duration = .seconds(30),
    interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: interval)
    }
}
