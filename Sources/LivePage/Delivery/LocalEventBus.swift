import Synchronization

/// The bus of a single server: a message goes straight to the manager's own clients.
public final class LocalEventBus: EventBus {
    /// The manager's side, once attached (it holds the manager weakly: the manager owns its bus).
    private let endpoint = Mutex<BusEndpoint?>(nil)

    /// A bus for one manager.
    public init() {}

    /// Remembers the manager's side, which receives the messages.
    /// - Parameter endpoint: The manager's side of the bus.
    public func attach(to endpoint: BusEndpoint) {
        self.endpoint.withLock { $0 = endpoint }
    }

    /// Delivers `message` to the attached manager's clients.
    /// - Parameter message: The events and their audience, or a disconnect.
    /// - Returns: How many (client, event) pairs were queued, or clients disconnected.
    public func publish(_ message: BusMessage) async -> Int {
        guard let endpoint = endpoint.withLock({ $0 }) else { return 0 }
        return await withCheckedContinuation { continuation in
            endpoint.deliverLocally(message) { continuation.resume(returning: $0) }
        }
    }

    /// Delivers `message` to the attached manager's clients, without a task: on this
    /// thread for a small audience, in slices for a large one.
    /// - Parameters:
    ///   - message: The events and their audience, or a disconnect.
    ///   - completion: Called once with the count; this bus never fails.
    public func publish(_ message: BusMessage, completion: @escaping @Sendable (Result<Int, ManagerError>) -> Void) {
        guard let endpoint = endpoint.withLock({ $0 }) else { return completion(.success(0)) }
        endpoint.deliverLocally(message) { completion(.success($0)) }
    }
}
