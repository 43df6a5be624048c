import Synchronization

extension RedisEventBus {
    /// The servers of the site this one knows of, sorted: itself, and every other that
    /// has published its part of presence (a server with no client anywhere is not
    /// listed). Each is named by its incarnation, `<tag in hex>-<random>`: a restarted
    /// server is a new one. For the admin page; it reads only what the bus holds.
    var knownServers: [String] {
        state.withLock { Array($0.replica.nodes.union([incarnation])).sorted() }
    }
}
