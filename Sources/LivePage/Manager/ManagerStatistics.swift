/// A manager's figures for an operator's dashboard: its counters, what its clients have
/// queued, and the locations with the most clients. See
/// ``ClientManager/statistics(topLocations:)``.
public struct ManagerStatistics: Sendable, Hashable {
    /// The counters and gauges of ``ClientManager/metrics``.
    public let metrics: ManagerMetrics
    /// Events queued for this server's clients and not yet acknowledged, all clients
    /// together: the backlog of pages that are slow to poll.
    public let queuedEvents: Int
    /// The JSON bytes of those events.
    public let queuedBytes: Int
    /// The locations with the most clients on this server, most first (ties by name),
    /// at most as many as were asked for.
    public let topLocations: [LocationStatistics]
}

/// One location's figures in ``ManagerStatistics``.
public struct LocationStatistics: Sendable, Hashable {
    /// The location, as pages registered it. Visitors choose it: show it as text.
    public let location: String
    /// Clients there on this server.
    public let clients: Int
    /// Distinct principals online there, on every server of the site.
    public let principals: Int
    /// Anonymous clients there, on every server of the site.
    public let anonymous: Int
}
