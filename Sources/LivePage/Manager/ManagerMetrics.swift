/// Counters and gauges of a client manager, for the server's `/metrics`.
public struct ManagerMetrics: Sendable, Hashable {
    /// Clients registered and not gone.
    public internal(set) var clients = 0
    /// Output requests parked now.
    public internal(set) var parkedPolls = 0
    /// Locations with at least one client.
    public internal(set) var locations = 0
    /// (client, event) pairs queued since start.
    public internal(set) var eventsQueued = 0
    /// Events handed out in output answers since start (a repeated answer counts again).
    public internal(set) var eventsDelivered = 0
    /// Clients evicted for exceeding their queue limit since start.
    public internal(set) var evictions = 0
    /// Clients expired for not polling since start.
    public internal(set) var expirations = 0
}
