public import LivePageEvents

/// Why the client manager refused a request: a caller can match the case, a user can
/// act on the message, and the server answers with ``status``.
///
/// Messages never repeat a client id: ids are secrets, and errors end up in logs.
public struct ManagerError: Error, Sendable, Hashable {
    private enum Kind: Sendable, Hashable {
        case invalidLocation(String)
        case invalidPrincipal(String)
        case tooManyClients(Int)
        case tooManyClientsForPrincipal(Int)
        case tooManyAnonymousClients(Int)
        case tooManyLocations(Int)
        case clientGone(ClientGoneReason)
        case superseded
        case afterBeyondLastSeq
        case shuttingDown
        case unavailable
        case publishTooLarge(events: Int, bytes: Int)
        case inputRejected(String)
        case invalidEvent(EventError)
        case invalidMultiPoll(String)
    }

    private let kind: Kind

    private init(_ kind: Kind) { self.kind = kind }

    /// The location is empty, longer than 512 bytes, or holds control characters.
    public static func invalidLocation(_ reason: String) -> ManagerError { ManagerError(.invalidLocation(reason)) }

    /// The principal is empty, longer than 256 bytes, or holds control characters.
    public static func invalidPrincipal(_ reason: String) -> ManagerError { ManagerError(.invalidPrincipal(reason)) }

    /// The server holds its maximum number of clients (`limit`).
    public static func tooManyClients(limit: Int) -> ManagerError { ManagerError(.tooManyClients(limit)) }

    /// The principal has `limit` clients open already (a user with too many tabs).
    public static func tooManyClientsForPrincipal(limit: Int) -> ManagerError {
        ManagerError(.tooManyClientsForPrincipal(limit))
    }

    /// The server holds `limit` anonymous clients already.
    public static func tooManyAnonymousClients(limit: Int) -> ManagerError { ManagerError(.tooManyAnonymousClients(limit)) }

    /// The server tracks `limit` distinct locations already.
    public static func tooManyLocations(limit: Int) -> ManagerError { ManagerError(.tooManyLocations(limit)) }

    /// The client id does not work (any more), for `reason`.
    public static func clientGone(_ reason: ClientGoneReason) -> ManagerError { ManagerError(.clientGone(reason)) }

    /// A newer output request for the same client took over this one.
    public static let superseded = ManagerError(.superseded)

    /// `after` is higher than the last seq given to the client.
    public static let afterBeyondLastSeq = ManagerError(.afterBeyondLastSeq)

    /// The server is shutting down.
    public static let shuttingDown = ManagerError(.shuttingDown)

    /// The server cannot serve output for now: it lost the other servers of its site.
    public static let unavailable = ManagerError(.unavailable)

    /// The events of one send are more, or larger, than a client's queue may hold
    /// (`events` events, `bytes` bytes), so every recipient would only be evicted:
    /// refused before anything is queued.
    public static func publishTooLarge(events: Int, bytes: Int) -> ManagerError {
        ManagerError(.publishTooLarge(events: events, bytes: bytes))
    }

    /// The application's input handler refused the input, for `reason` (shown to the
    /// sender; it should not reveal more than the sender may know).
    public static func inputRejected(_ reason: String) -> ManagerError { ManagerError(.inputRejected(reason)) }

    /// The input's fields could not become an event.
    public static func invalidEvent(_ error: EventError) -> ManagerError { ManagerError(.invalidEvent(error)) }

    /// A poll for several clients names none, more than the limit, or one twice.
    public static func invalidMultiPoll(_ reason: String) -> ManagerError { ManagerError(.invalidMultiPoll(reason)) }

    /// The HTTP status PROTOCOL.md gives this error.
    public var status: Int {
        switch kind {
        case .invalidLocation, .invalidPrincipal, .afterBeyondLastSeq, .invalidEvent, .invalidMultiPoll: 400
        case .inputRejected: 403
        case .superseded: 409
        case .clientGone: 410
        case .publishTooLarge: 413
        case .tooManyClientsForPrincipal, .tooManyAnonymousClients, .tooManyLocations: 429
        case .tooManyClients, .shuttingDown, .unavailable: 503
        }
    }

    /// For a gone client, why it is gone (the `reason` of a `410`).
    public var goneReason: ClientGoneReason? {
        if case .clientGone(let reason) = kind { return reason }
        return nil
    }

    /// Whether a client may try again later: the answer then carries `Retry-After`.
    public var isTemporary: Bool { status == 429 || status == 503 }
}

extension ManagerError: CustomStringConvertible {
    /// One sentence saying what happened and, where there is something to do, what.
    public var description: String {
        switch kind {
        case .invalidLocation(let reason): "The location \(reason)."
        case .invalidPrincipal(let reason): "The principal \(reason)."
        case .tooManyClients(let limit): "The server holds its maximum of \(limit) clients; try again later."
        case .tooManyClientsForPrincipal(let limit):
            "This principal has \(limit) pages open already, the most allowed; close one and try again."
        case .tooManyAnonymousClients(let limit):
            "The server holds its maximum of \(limit) anonymous clients; sign in, or try again later."
        case .tooManyLocations(let limit): "The server tracks its maximum of \(limit) locations; try again later."
        case .clientGone(.unknown): "The client is unknown; register again."
        case .clientGone(.expired): "The client expired after it stopped polling; register again."
        case .clientGone(.closed): "The client was closed; register again."
        case .clientGone(.evicted): "The client's events could not all be kept (it fell too far behind, or its server lost them); reload the page."
        case .superseded: "A newer output request for this client took over; another tab uses this client id."
        case .afterBeyondLastSeq: "The parameter 'after' is higher than the last seq given to this client."
        case .shuttingDown: "The server is shutting down; try again shortly."
        case .unavailable: "The server lost its link to the other servers of this site; try again shortly."
        case .publishTooLarge(let events, let bytes):
            "These events are more than a client's queue holds (\(events) events or \(bytes) bytes of JSON, counting 64 bytes for each event), so every recipient would be evicted; send fewer or smaller events in several publishes."
        case .inputRejected(let reason): reason
        case .invalidEvent(let error): error.description
        case .invalidMultiPoll(let reason): "A poll for several clients \(reason)."
        }
    }
}
