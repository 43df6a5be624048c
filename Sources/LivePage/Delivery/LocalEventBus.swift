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

    /// Delivers `message` to the attached manager's clients at once.
    public func publish(_ message: BusMessage) async throws -> Int {
        manager.withLock { $0.manager }?.deliverLocally(message) ?? 0
    }

    /// Delivers `message` to the attached manager's clients at once: this bus never
    /// needs to await.
    public func publishImmediately(_ message: BusMessage) -> Int? {
        manager.withLock { $0.manager }?.deliverLocally(message) ?? 0
    }
}
