/// Where a manager's sends go before they reach clients: the seam between one server
/// and several.
///
/// The manager never queues a send for its clients directly. It hands the message to
/// its bus; the bus brings it back to ``ClientManager/deliverLocally(_:completion:)`` on every
/// server that shares it (this one included), so that every server queues the same
/// messages in the same order. ``LocalEventBus`` is the one-server case.
public protocol EventBus: Sendable {
    /// Called once by the manager that uses this bus, from its initializer: messages
    /// that arrive on the bus go to `manager`'s ``ClientManager/deliverLocally(_:completion:)``.
    func attach(to manager: ClientManager)

    /// Carries `message` to every server sharing the bus.
    /// - Returns: How many (client, event) pairs were queued, or clients disconnected,
    ///   over all servers.
    /// - Throws: When the message may not have reached every server; nothing is
    ///   dropped silently.
    func publish(_ message: BusMessage) async throws -> Int

    /// Carries `message` and calls `completion` with what ``publish(_:)`` returns or
    /// throws. The in-memory bus calls back without a task (on this thread when the
    /// audience is small), so a single server answers publishes on the thread that read
    /// them; by default a task awaits ``publish(_:)``.
    func publish(_ message: BusMessage, completion: @escaping @Sendable (Result<Int, any Error>) -> Void)

    /// Leaves the bus when the server shuts down, so that the other servers learn at once
    /// that this one's clients are gone.
    func shutDown() async
}

extension EventBus {
    /// A bus to other servers must await them: by default a task awaits ``publish(_:)``.
    public func publish(_ message: BusMessage, completion: @escaping @Sendable (Result<Int, any Error>) -> Void) {
        Task {
            do { completion(.success(try await publish(message))) } catch { completion(.failure(error)) }
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
