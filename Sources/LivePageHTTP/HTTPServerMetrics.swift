/// A snapshot of the engine's counters since `start()`, for a `/metrics` route.
///
/// Counters only grow, except `connectionsOpen`. Each loop keeps its own counters; a
/// snapshot sums them, so it is consistent per loop but not across loops to the request.
public struct HTTPServerMetrics: Sendable, Equatable {
    /// Connections accepted.
    public var connectionsAccepted: Int = 0
    /// Connections open now.
    public var connectionsOpen: Int = 0
    /// Complete requests handed to the handler.
    public var requests: Int = 0
    /// Responses written, by status code, the engine's own error responses included.
    public var responsesByStatus: [Int: Int] = [:]
    /// Requests refused because they broke RFC 9112 or a limit (the `4xx`/`5xx` the engine
    /// answers itself).
    public var parseErrors: Int = 0
    /// Connections closed by a timeout: header, body, idle or write.
    public var timeouts: Int = 0
    /// Times a loop paused accepting because the process or system ran out of file
    /// descriptors (`EMFILE`, `ENFILE`).
    public var acceptPauses: Int = 0
    /// Times a loop paused rather than sleep until the next request woke it, in a stream
    /// of requests that only park (``HTTPServerConfiguration/coalescingPause``).
    public var loopPauses: Int = 0

    /// Creates an all-zero snapshot.
    public init() {}

    /// Adds another loop's counters to these.
    mutating func add(_ other: HTTPServerMetrics) {
        connectionsAccepted += other.connectionsAccepted
        connectionsOpen += other.connectionsOpen
        requests += other.requests
        responsesByStatus.merge(other.responsesByStatus, uniquingKeysWith: +)
        parseErrors += other.parseErrors
        timeouts += other.timeouts
        acceptPauses += other.acceptPauses
        loopPauses += other.loopPauses
    }
}
