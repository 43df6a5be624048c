import Synchronization

@testable import LivePageHTTP

/// Runs blocking work on a thread of its own, so socket waits never hold one of the few
/// threads of the cooperative pool (two on this machine) that async handlers need.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        do {
            try LoopThread.detach { continuation.resume(with: Result { try body() }) }
        } catch {
            continuation.resume(throwing: error)
        }
    }
}

/// Waits until `condition` holds, checking every 10 ms, for at most `seconds`.
func eventually(within seconds: Int = 30, _ condition: @Sendable () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// A flag set from one thread and awaited from another.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// A counter shared with handlers.
final class Counter: Sendable {
    private let value = Mutex(0)
    @discardableResult
    func increment() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
    var count: Int { value.withLock { $0 } }
}
