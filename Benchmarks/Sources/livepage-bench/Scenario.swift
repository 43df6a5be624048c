/// What a run measures once every client is connected, the same way against LivePage and
/// against nginx + Nchan (`--proto`), so that figures compare.
enum Scenario: String, CaseIterable {
    /// Publish `--messages` at `--rate` per second to every parked client, then wait
    /// until each (client, message) pair has arrived or `--timeout` passes. The figure:
    /// delivery latency percentiles.
    case fanout

    /// Publish as fast as `--window` allows for `--duration` seconds over `--publishers`
    /// connections, then drain. The figure: deliveries per second.
    case throughput

    /// Publish nothing; keep every client parked for `--duration` seconds. The figure:
    /// server memory per parked client.
    case hold

    /// No LivePage clients: each connection sends one request (`--path`, by default the
    /// health route) and then stays open and idle for `--duration` seconds. The figure:
    /// server memory per idle keep-alive connection. Works against any HTTP server.
    case idle

    /// Whether the scenario publishes, and so needs the publish key.
    var publishes: Bool { self == .fanout || self == .throughput }

    /// Whether each connection is a registered LivePage client that long-polls.
    var longPolls: Bool { self != .idle }
}
