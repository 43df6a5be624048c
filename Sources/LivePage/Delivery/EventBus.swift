/// Where a manager's sends go before they reach clients: the seam between one server
/// and several.
///
/// The manager never queues a send for its clients directly. It hands the message to
/// its bus; the bus brings it back to ``ClientManager/deliverLocally(_:)`` on every
/// server that shares it (this one included), so that every server queues the same
/// messages in the same order. ``LocalEventBus`` is the one-server case.
public protocol EventBus: Sendable {
    /// Called once by the manager that uses this bus, from its initializer: messages
    /// that arrive on the bus go to `manager`'s ``ClientManager/deliverLocally(_:)``.
    func attach(to manager: ClientManager)

    /// Carries `message` to every server sharing the bus.
    /// - Returns: How many (client, event) pairs were queued, or clients disconnected,
    ///   over all servers.
    /// - Throws: When the message may not have reached every server; nothing is
    ///   dropped silently.
    func publish(_ message: BusMessage) async throws -> Int

    /// Carries `message` at once, without awaiting, if this bus can; returns `nil` if it
    /// cannot, and the caller uses ``publish(_:)``. The in-memory bus can, so a single
    /// server answers publishes on the thread that read them, with no task.
    func publishImmediately(_ message: BusMessage) -> Int?

    /// Leaves the bus when the server shuts down, so that the other servers learn at once
    /// that this one's clients are gone.
    func shutDown() async
}

extension EventBus {
    /// A bus to other servers must await them: by default it cannot publish at once.
    public func publishImmediately(_ message: BusMessage) -> Int? { nil }

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
