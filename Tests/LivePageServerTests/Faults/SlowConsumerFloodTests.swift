import LivePageTestSupport
import Testing

extension Faults {
    /// A publisher floods one location for 10 s. Most of its clients keep polling; a few stop
    /// (at different points). Each one that stops is evicted exactly when its queue passes
    /// the limit (1,024 unacknowledged events), and its next poll is `410` `evicted`; the
    /// others receive every event once, in order; and the server's resident memory levels off
    /// instead of growing with the events published.
    ///
    /// `FAULTS_FLOOD_SECONDS` lengthens the flood (`Benchmarks/faults/flood.sh`).
    @Suite(.serialized, .timeLimit(.minutes(5)))
    struct SlowConsumerFloodTests {
        /// Clients that stop polling after this many events (index: count).
        static let stopPoints = [0: 0, 1: 100, 2: 1_000, 3: 2_500]

        @Test func stoppedClientsAreEvictedAtTheirQueueLimitWhileMemoryStaysBounded() async throws {
            let floodSeconds = Double(environmentInteger("FAULTS_FLOOD_SECONDS", default: 10))
            let activeCount = 40
            let stopping = Self.stopPoints.count
            let seed = SplitMix64.seedFromEnvironment()
            try await withFaultServer(publishing + ["--refresh", "60"]) { server in
                let ids = try await BlockingThread.run { [server] in
                    try server.registerClients(stopping + activeCount) { _ in #"{"location": "/flood"}"# }
                }
                let port = server.port
                let probe = server.probe
                let (report, lastSeqs, memory) = try await BlockingThread.run {
                    var memory = MemorySamples()
                    let driver = LoadDriver(
                        port: port, publishKey: publishKey, clientIDs: ids, stopsAfter: Self.stopPoints,
                        window: 300, eventPadding: 200, seed: seed
                    )
                    let everyone = Array(ids.indices)
                    let report = try driver.run(timeout: .seconds(floodSeconds + 240)) { seconds in
                        if let kiB = probe.residentKiB() { memory.add(seconds: seconds, kiB: kiB) }
                    } nextPublish: { progress in
                        // 16 events of about 230 bytes each, back to back, for the flood's length
                        // (and on, on a machine too slow to reach every stop point in it).
                        guard progress.seconds < floodSeconds || progress.evictions < stopping else { return nil }
                        let first = progress.publishes * 16
                        return PlannedPublish(audience: #"{"location": "/flood"}"#, recipients: everyone, events: first..<first + 16)
                    }
                    return (report, driver.lastSeqs, memory)
                }
                let published = report.eventsPublished
                print(
                    """
                    publisher flood, \(activeCount) clients polling and \(stopping) stopping, \(floodSeconds) s:
                    \(report.summary)
                    server resident memory: start \(memory.first) KiB, max \(memory.maximum) KiB, end \(memory.last) KiB \
                    (\(published) events published, \(report.pairsDelivered) pairs)
                    \(memory.table)
                    """)

                #expect(report.violations.isEmpty, "seed \(seed): \(report.violations.joined(separator: "\n"))")
                #expect(report.evictions == stopping, "each client that stopped was evicted at its limit: \(report.summary)")
                #expect(try server.metric("livepage_queue_evictions_total") == stopping)
                #expect(try server.metric("livepage_clients") == activeCount)
                for index in Self.stopPoints.keys {
                    let poll = try server.poll(ids[index], after: lastSeqs[index])
                    expectError(poll, 410, reason: "evicted", hiding: [ids[index]])
                }

                // Memory levels off: what the server holds is bounded by its clients' queues,
                // whatever the number of events that went through it. A generous bound: the
                // last two thirds of the flood may add at most 16 MiB to the first third's
                // peak, and the whole flood at most 64 MiB to the start.
                let firstThird = memory.maximum(before: floodSeconds / 3)
                let rest = memory.maximum(from: floodSeconds / 3)
                #expect(rest <= firstThird + 16 * 1024, "resident memory grew from \(firstThird) KiB to \(rest) KiB:\n\(memory.table)")
                #expect(
                    memory.maximum <= memory.first + 64 * 1024, "resident memory grew from \(memory.first) KiB to \(memory.maximum) KiB")
            }
        }
    }
}
