/// Where a manager's sends go before they reach clients: the seam between one server
/// and several.
///
/// The manager never queues a send for its clients directly. It hands the message to
/// its bus; the bus brings it back to ``BusEndpoint/deliverLocally(_:completion:)`` on every
/// server that shares it (this one included), so that every server queues the same
/// messages in the same order. ``LocalEventBus`` is the one-server case.
///
/// A bus sees its manager only through the ``BusEndpoint`` it is attached to: local
/// delivery, presence, and suspending or dropping clients when its link fails.
public protocol EventBus: Sendable {
    /// Called once by the manager that uses this bus, from its initializer: messages
    /// that arrive on the bus go to `endpoint`'s ``BusEndpoint/deliverLocally(_:completion:)``.
    /// - Parameter endpoint: The manager's side of the bus.
    func attach(to endpoint: BusEndpoint)

    /// Carries `message` to every server sharing the bus.
    /// - Parameter message: The events and their audience, or a disconnect.
    /// - Returns: How many (client, event) pairs were queued, or clients disconnected,
    ///   over all servers.
    /// - Throws: ``ManagerError/unavailable`` when the message may not have reached every
    ///   server; nothing is dropped silently.
    func publish(_ message: BusMessage) async throws(ManagerError) -> Int

    /// Carries `message` and calls `completion` with what ``publish(_:)`` returns or
    /// throws. The in-memory bus calls back without a task (on this thread when the
    /// audience is small), so a single server answers publishes on the thread that read
    /// them; by default a task awaits ``publish(_:)``.
    /// - Parameters:
    ///   - message: The events and their audience, or a disconnect.
    ///   - completion: Called once, from any thread, with the count or the error.
    func publish(_ message: BusMessage, completion: @escaping @Sendable (Result<Int, ManagerError>) -> Void)

    /// Leaves the bus when the server shuts down, so that the other servers learn at once
    /// that this one's clients are gone.
    func shutDown() async
}

extension EventBus {
    /// A bus to other servers must await them: by default a task awaits ``publish(_:)``.
    public func publish(_ message: BusMessage, completion: @escaping @Sendable (Result<Int, ManagerError>) -> Void) {
        Task {
            do throws(ManagerError) {
                completion(.success(try await publish(message)))
            } catch {
                completion(.failure(error))
            }
        }
    }

    /// By default there is nothing to leave.
    public func shutDown() async {}
}

/// What travels on an ``EventBus``.
public enum BusMessage: Sendable {
    /// Events to queue, in order, for every client of an audience.
    case events([EncodedEvent], to: Audience)
    /// Clients to remove (a logged-out or banned user); their next poll is `410 closed`.
    case disconnect(Audience)
}
