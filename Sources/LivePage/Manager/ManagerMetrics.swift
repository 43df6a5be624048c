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
    /// Clients that stopped polling and are kept, out of who is online, for the resume
    /// window.
    public internal(set) var clientsAway = 0
    /// Clients that came back from away since start: their pages caught up instead of
    /// reloading.
    public internal(set) var resumes = 0
    /// Events dropped from full queues since start because a later event on the same
    /// element made them pointless (compaction, instead of evicting the client).
    public internal(set) var eventsCompacted = 0
}
