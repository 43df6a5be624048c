import Synchronization

/// The bus of a single server: a message goes straight to the manager's own clients.
public final class LocalEventBus: EventBus {
    /// Weak, because the manager owns its bus.
    private let manager = Mutex<WeakManager>(WeakManager())

    private struct WeakManager {
        weak var manager: ClientManager?
    }

    /// A bus for one manager.
    public init() {}

    /// Remembers the manager that receives the messages.
    public func attach(to manager: ClientManager) {
        self.manager.withLock { $0.manager = manager }
    }

    /// Delivers `message` to the attached manager's clients.
    public func publish(_ message: BusMessage) async throws -> Int {
        guard let manager = manager.withLock({ $0.manager }) else { return 0 }
        return await withCheckedContinuation { continuation in
            manager.deliverLocally(message) { continuation.resume(returning: $0) }
        }
    }

    /// Delivers `message` to the attached manager's clients, without a task: on this
    /// thread for a small audience, in slices for a large one.
    public func publish(_ message: BusMessage, completion: @escaping @Sendable (Result<Int, any Error>) -> Void) {
        guard let manager = manager.withLock({ $0.manager }) else { return completion(.success(0)) }
        manager.deliverLocally(message) { completion(.success($0)) }
    }
}
