import LivePageEvents
import Synchronization

extension ClientManager {
    /// How many clients one critical section of ``statistics(topLocations:)`` reads.
    static let statisticsSlice = 1024

    /// The manager's figures for an operator's dashboard (the server's admin page).
    ///
    /// It reads every client, so it costs O(clients); it holds the lock for at most
    /// ``statisticsSlice`` clients at a time, releasing it between slices so that polls and
    /// sends go on. Clients that come or go meanwhile may be counted once, twice or not at
    /// all: the figures are exact only while the clients stay the same. Call it when
    /// someone looks (once a second while a dashboard is open), not on a hot path.
    /// - Parameter topLocations: How many locations to list, those with the most clients.
    /// - Returns: The counters, the events queued and not acknowledged, and the locations.
    public func statistics(topLocations: Int = 10) -> ManagerStatistics {
        let metrics = self.metrics
        var queuedEvents = 0
        var queuedBytes = 0
        var locations: [String: (clients: Int, principals: Int, anonymous: Int)] = [:]
        var index = 0
        var isDone = false
        while !isDone {
            isDone = state.withLock { state in
                let everyone = state.everyone
                let end = min(index + Self.statisticsSlice, everyone.count)
                guard index < end else { return true }
                for record in everyone[index..<end] {
                    queuedEvents += record.queue.count
                    queuedBytes += record.queue.byteCount
                    let location = record.location
                    locations[location.name, default: (0, location.count, location.anonymous)].clients += 1
                }
                index = end
                return end == everyone.count
            }
        }
        let top =
            locations
            .sorted { $0.value.clients != $1.value.clients ? $0.value.clients > $1.value.clients : $0.key < $1.key }
            .prefix(max(0, topLocations))
            .map { LocationStatistics(location: $0.key, clients: $0.value.clients, principals: $0.value.principals, anonymous: $0.value.anonymous) }
        return ManagerStatistics(metrics: metrics, queuedEvents: queuedEvents, queuedBytes: queuedBytes, topLocations: top)
    }
}
