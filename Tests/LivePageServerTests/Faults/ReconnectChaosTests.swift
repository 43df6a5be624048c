import LivePageTestSupport
import Testing

extension Faults {
    /// Reconnect chaos: a thousand pages long-polling the real `livepage-server` while their
    /// connections are reset at random (`RST`, not `FIN`): before a request, while a poll is
    /// parked, and halfway through an answer. Twenty thousand events are published to
    /// locations, principals, everyone, and a location but one client, by a publisher whose
    /// own connection is reset now and then (it sends the publish again with the same `id`).
    /// Every client, resuming each time with `after`, must end with every event addressed to
    /// it exactly once, in seq order, with no gap.
    ///
    /// `Benchmarks/faults/chaos.sh` runs the same test at a larger scale through
    /// `FAULTS_CHAOS_CLIENTS`, `FAULTS_CHAOS_EVENTS` and `FAULTS_SERVER`; `FAULTS_SEED`
    /// repeats a run's random choices.
    @Suite(.serialized, .timeLimit(.minutes(10)))
    struct ReconnectChaosTests {
        @Test func everyClientGetsEveryEventOnceInOrderThroughRandomResets() async throws {
            let clientCount = environmentInteger("FAULTS_CHAOS_CLIENTS", default: 1000)
            let eventCount = environmentInteger("FAULTS_CHAOS_EVENTS", default: 20_000)
            let seed = SplitMix64.seedFromEnvironment()
            raiseDescriptorLimitToHard()
            try await withFaultServer(publishing) { server in
                let plan = ChaosPlan(clients: clientCount, events: eventCount)
                let ids = try await BlockingThread.run { [server] in
                    try server.registerClients(clientCount) { plan.registration(of: $0) }
                }
                let port = server.port
                let report = try await BlockingThread.run {
                    let driver = LoadDriver(
                        port: port, publishKey: publishKey, clientIDs: ids,
                        resets: ResetPolicy(
                            beforeRequest: 0.03, whileParked: 0.05, midResponse: 0.05, smallReceiveBuffer: 0.2, publisher: 0.05),
                        seed: seed
                    )
                    return try driver.run(timeout: .seconds(480)) { plan.publish($0.publishes, ids: ids) }
                }
                print("reconnect chaos (seed \(seed)), \(clientCount) clients:\n\(report.summary)")

                #expect(report.violations.isEmpty, "seed \(seed): \(report.violations.joined(separator: "\n"))")
                #expect(report.eventsPublished == eventCount)
                #expect(report.eventsApplied == report.pairsDelivered, "every pair queued was applied exactly once")
                #expect(report.resetsBeforeRequest > 0 && report.resetsWhileParked > 0 && report.resetsMidResponse > 0, "\(report.summary)")
                #expect(report.publisherResets > 0, "\(report.summary)")
                #expect(report.serverCloses == 0, "the server closed no connection of its own accord")

                // The server agrees: every pair it queued was one the clients applied, and no
                // client was lost, evicted or expired.
                #expect(try server.metric("livepage_events_queued_total") == report.pairsDelivered)
                #expect(try server.metric("livepage_clients") == clientCount)
                #expect(try server.metric("livepage_queue_evictions_total") == 0)
                #expect(try server.metric("livepage_client_expirations_total") == 0)
                #expect(try await server.waitForMetric("livepage_parked_requests", toBe: 0), "the closed polls are forgotten")
            }
        }
    }
}

/// Who is where in the chaos run, and what is published to whom.
///
/// Client `i` is at `/chaos/{i / 20}` (locations of 20) as principal `p{i % 250}` (four
/// clients each, at different locations). Publish `k` carries the 10 events numbered
/// `10k..<10k+10`; every 200th goes to everyone, the others alternate between a location
/// (every tenth of those leaving one client out) and a principal.
struct ChaosPlan: Sendable {
    let clients: Int
    let events: Int
    let eventsPerPublish = 10
    var locationCount: Int { max(1, clients / 20) }
    var principalCount: Int { max(1, clients / 4) }

    func location(of client: Int) -> Int { min(client / 20, locationCount - 1) }
    func principal(of client: Int) -> Int { client % principalCount }

    func registration(of client: Int) -> String {
        #"{"location": "/chaos/\#(location(of: client))", "principal": "p\#(principal(of: client))"}"#
    }

    func publish(_ index: Int, ids: [String]) -> PlannedPublish? {
        let first = index * eventsPerPublish
        guard first < events else { return nil }
        let numbers = first..<min(events, first + eventsPerPublish)
        if index % 200 == 199 {
            return PlannedPublish(audience: #"{"all": true}"#, recipients: Array(0..<clients), events: numbers)
        }
        if index % 2 == 0 {
            let location = (index / 2) % locationCount
            var recipients = (0..<clients).filter { self.location(of: $0) == location }
            if (index / 2) % 10 == 9, !recipients.isEmpty {
                let excluded = recipients.remove(at: (index / 20) % recipients.count)
                return PlannedPublish(
                    audience: #"{"location": "/chaos/\#(location)", "except": "\#(ids[excluded])"}"#, recipients: recipients,
                    events: numbers)
            }
            return PlannedPublish(audience: #"{"location": "/chaos/\#(location)"}"#, recipients: recipients, events: numbers)
        }
        let principal = (index / 2) % principalCount
        let recipients = (0..<clients).filter { self.principal(of: $0) == principal }
        return PlannedPublish(audience: #"{"principal": "p\#(principal)"}"#, recipients: recipients, events: numbers)
    }
}
