/// What an ``EventBus`` may do with the manager it serves, and nothing more: deliver
/// what comes off the bus to this server's clients, trade presence with the other servers,
/// and make a lost link loud.
///
/// A bus receives one in ``EventBus/attach(to:)``. Applications call ``ClientManager``
/// (send, register, ask who is online); buses call this, so neither sees the other's side.
/// It holds the manager weakly, because the manager owns its bus: once the manager is gone
/// every call does nothing, and ``deliverLocally(_:completion:)`` reports 0.
public struct BusEndpoint: Sendable {
    /// Reports this server's part of presence, one entry per location that changed, at most
    /// once per presence interval, with the part as it is then.
    public typealias LocalPresenceObserver = @Sendable ([String: PresencePart]) -> Void

    private weak var manager: ClientManager?

    /// The endpoint of `manager`, which hands it to its bus.
    init(_ manager: ClientManager) {
        self.manager = manager
    }

    /// Carries out a message that came off the bus for this server's own clients, then calls
    /// `completion` with the (client, event) pairs queued, or the clients disconnected, here.
    ///
    /// The message waits behind earlier ones, so every server queues messages in bus order;
    /// a large audience is delivered in slices, so no lock or event loop is held for long.
    /// - Parameters:
    ///   - message: What came off the bus.
    ///   - completion: Called once, from any thread, with the count on this server.
    public func deliverLocally(_ message: BusMessage, completion: @escaping @Sendable (Int) -> Void) {
        guard let manager else { return completion(0) }
        manager.deliverLocally(message, completion: completion)
    }

    /// Calls `observer` with this server's part of presence at each location where it
    /// changed (a principal's first tab opened or last one closed, an anonymous client came
    /// or went), coalesced over the presence interval. A location left with no client here
    /// is reported with ``PresencePart/empty``.
    /// - Parameter observer: Where the reports go; it replaces any earlier observer.
    public func observeLocalPresence(_ observer: @escaping LocalPresenceObserver) {
        manager?.observeLocalPresence(observer)
    }

    /// This server's part of presence at every location where it has clients, for a bus that
    /// (re)starts and must publish all of it. Empty once the manager is gone.
    public var localPresence: [String: PresencePart] {
        manager?.localPresence ?? [:]
    }

    /// Sets who is online at `location` on all the other servers together (`nil` or empty:
    /// nobody). This server's presence clients there hear of it if the merged state changed.
    /// - Parameters:
    ///   - part: The other servers' principals and anonymous count.
    ///   - location: The location they are at.
    public func setRemotePresence(_ part: PresencePart?, at location: String) {
        manager?.setRemotePresence(part, at: location)
    }

    /// Stops serving output while the bus may be missing messages: every parked poll, and
    /// every poll until ``resumeOutput()``, is answered `503` with a spread `Retry-After`.
    public func suspendOutput() {
        manager?.suspendOutput()
    }

    /// Serves output again after ``suspendOutput()``.
    public func resumeOutput() {
        manager?.resumeOutput()
    }

    /// Removes every client for `reason` (their polls are answered `410` with it), after this
    /// server may have missed messages and no queue can be trusted.
    /// - Parameter reason: Why, as the clients' pages are told; usually `.evicted`.
    /// - Returns: How many clients were removed.
    @discardableResult
    public func dropAllClients(reason: ClientGoneReason) -> Int {
        manager?.dropAllClients(reason: reason) ?? 0
    }
}
