public import LivePageEvents
import Synchronization

/// Decides where one page's input goes: the application's hook to authorise, rewrite,
/// reroute or drop it (realtime-magic's "push traps").
///
/// It returns the number of (client, event) pairs it queued, which the sender is told.
/// To refuse the input with a message for the sender, throw
/// ``ManagerError/inputRejected(_:)``.
public typealias InputHandler = @Sendable (Input) async throws -> Int

/// One page's input, turned into an event by the registry, on its way to the input handler.
public struct Input: Sendable {
    /// The client that sent it.
    public let sender: ClientInfo
    /// The event the registry built from its fields (HTML escaped unless trusted).
    public let event: any Event
    let manager: ClientManager

    /// Sends `event` (this input's, or one the handler made of it) to `audience`, with
    /// `from` set to the sender's principal.
    /// - Returns: The number of (client, event) pairs queued.
    /// - Throws: ``ManagerError`` when the event is too large for any queue, or the bus
    ///   could not carry it.
    public func send(_ event: any Event, to audience: Audience) async throws(ManagerError) -> Int {
        try await manager.send(encoded: [EncodedEvent(event, fromInputBy: sender.principal)], to: audience)
    }
}

extension ClientManager {
    /// The default input handler: the event goes to every client at the sender's
    /// location, the sender's own included.
    public static let defaultInputHandler: InputHandler = { input in
        try await input.send(input.event, to: .location(input.sender.location))
    }

    /// Replaces the input handler (initially ``defaultInputHandler``).
    public func setInputHandler(_ handler: @escaping InputHandler) {
        inputHandlerStorage.withLock { $0 = handler }
    }

    /// Takes input from the client `id`: the registry turns `fields` into an event, and
    /// the input handler decides where it goes.
    /// - Returns: The number of (client, event) pairs queued.
    /// - Throws: ``ManagerError/clientGone(_:)`` for an unknown client,
    ///   ``ManagerError/invalidEvent(_:)`` naming the verb or field the registry refused,
    ///   and whatever the input handler throws.
    public func input(from id: ClientID, fields: EventFields) async throws -> Int {
        guard let sender = client(id) else { throw ManagerError.clientGone(goneReason(for: id)) }
        let event: any Event
        do {
            event = try registry.event(fromInput: fields)
        } catch {
            throw ManagerError.invalidEvent(error)
        }
        let handler = inputHandlerStorage.withLock { $0 }
        return try await handler(Input(sender: sender, event: event, manager: self))
    }
}
