import LivePageEvents
import Testing

@testable import LivePage

/// Many clients, sends and polls at once: every client receives every event addressed to
/// it exactly once, in order, with no gap in seq.
@Suite(.timeLimit(.minutes(1)))
struct ConcurrencyTests {
    static let clientCount = 10_000
    static let locationCount = 100
    static let tabsPerPrincipal = 5
    static let senderCount = 16
    static let sendsPerSender = 40

    /// One send of the plan: its audience and its events, each named `"<sender>.<n>.<part>"`.
    struct PlannedSend {
        let audience: Audience
        let names: [String]
    }

    @Test func everyClientGetsEveryEventOnceInOrderWithoutGaps() async throws {
        let harness = Harness()
        let manager = harness.manager
        // Client i shows room i % 100 for principal i / 5: each principal has five tabs, at
        // five locations.
        let ids = try (0..<Self.clientCount).map { index in
            try harness.register("user-\(index / Self.tabsPerPrincipal)", at: "/room/\(index % Self.locationCount)")
        }
        let plan = Self.plan(ids: ids)
        let expected = Self.expectedNames(plan: plan, ids: ids)
        let expectedTotal = expected.reduce(0) { $0 + $1.count }
        #expect(expected.allSatisfy { $0.count >= 2 }, "everyone is sent at least two events")

        // A poller's result is its client's index and items, a sender's the deliveries it made.
        // A send to everyone is larger than one delivery slice: the rest runs in timers.
        let (received, delivered) = try await harness.runningDueTimers {
            try await withThrowingTaskGroup(of: (Int, [OutputBatch.Item], Int).self) { group in
                for (index, id) in ids.enumerated() {
                    let count = expected[index].count
                    group.addTask {
                        var items: [OutputBatch.Item] = []
                        while items.count < count {
                            let batch = try await manager.output(for: id, after: items.last?.seq ?? 0)
                            items += batch.items
                        }
                        return (index, items, 0)
                    }
                }
                for sends in plan {
                    group.addTask {
                        var delivered = 0
                        for send in sends {
                            let events = send.names.map { CustomEvent(verb: "n", fields: ["name": .string($0)]) as any Event }
                            delivered += try await manager.send(events, to: send.audience)
                        }
                        return (-1, [], delivered)
                    }
                }
                var received = [[OutputBatch.Item]](repeating: [], count: ids.count)
                var delivered = 0
                for try await (index, items, deliveries) in group {
                    if index >= 0 { received[index] = items }
                    delivered += deliveries
                }
                return (received, delivered)
            }
        }

        #expect(delivered == expectedTotal)
        var failures = 0
        for index in ids.indices where failures < 5 {
            let items = received[index]
            let names = items.map { Self.name(of: $0.event) }
            let seqsAreGapFree = items.map(\.seq) == (0..<items.count).map { UInt64($0 + 1) }
            let isExactlyTheExpectedSet = names.count == expected[index].count && Set(names) == expected[index]
            if !seqsAreGapFree || !isExactlyTheExpectedSet || !Self.isInSendOrder(names) {
                failures += 1
                Issue.record("client \(index): seqs \(items.map(\.seq)), names \(names), expected \(expected[index].sorted())")
            }
        }
        #expect(manager.metrics.eventsQueued == expectedTotal)
        #expect(manager.metrics.parkedPolls == 0)
        #expect(manager.metrics.clients == Self.clientCount)
    }

    /// Polls cancelled at random moments and taken over by other requests for the same
    /// client, while events arrive: nothing is lost, nothing comes twice, nothing stays
    /// parked.
    @Test func cancelledAndSupersededPollsLoseNothing() async throws {
        let harness = Harness()
        let manager = harness.manager
        let ids = try (0..<2000).map { try harness.register("user-\($0)", at: "/room/\($0 % 20)") }
        let eventsPerRoom = 30
        let received = try await withThrowingTaskGroup(of: (Int, [UInt64], [String]).self) { group in
            for (index, id) in ids.enumerated() {
                group.addTask {
                    var generator = SplitMix64(seed: UInt64(index))
                    var seqs: [UInt64] = []
                    var names: [String] = []
                    while names.count < eventsPerRoom {
                        let after = seqs.last ?? 0
                        let output = Task { try await manager.output(for: id, after: after) }
                        switch generator.next() % 4 {
                        case 0:
                            await Task.yield()
                            output.cancel()
                        case 1:
                            // Another request for the same client takes over, then goes away.
                            await Task.yield()
                            if case .parked(let ticket) = try manager.poll(id, after: after, waiter: { _ in }) {
                                manager.cancelPoll(ticket)
                            }
                        default: break
                        }
                        do {
                            let batch = try await output.value
                            seqs += batch.items.map(\.seq)
                            names += batch.items.map { Self.name(of: $0.event) }
                        } catch let error as ManagerError where error == .superseded {
                        } catch is CancellationError {
                        }
                    }
                    return (index, seqs, names)
                }
            }
            for room in 0..<20 {
                group.addTask {
                    for n in 0..<eventsPerRoom {
                        _ = try await manager.send(CustomEvent(verb: "n", fields: ["name": .string("\(room).\(n).0")]), to: .location("/room/\(room)"))
                        await Task.yield()
                    }
                    return (-1, [], [])
                }
            }
            var received: [(seqs: [UInt64], names: [String])] = Array(repeating: ([], []), count: ids.count)
            for try await (index, seqs, names) in group where index >= 0 {
                received[index] = (seqs, names)
            }
            return received
        }
        for (index, client) in received.enumerated() {
            let room = index % 20
            #expect(client.seqs == (1...UInt64(eventsPerRoom)).map { $0 }, "client \(index)")
            #expect(client.names == (0..<eventsPerRoom).map { "\(room).\($0).0" }, "client \(index)")
        }
        try await waitUntil("every cancelled poll is forgotten") { manager.metrics.parkedPolls == 0 }
        harness.advance(by: .milliseconds(100))
        #expect(harness.clock.scheduledTimerCount == 1, "only the expiry check is left: the empty hold wheel stops ticking")
    }

    /// Each sender's sends: mostly to a location (two events at once) or a principal, some to
    /// one client, and for two senders one to everyone.
    static func plan(ids: [ClientID]) -> [[PlannedSend]] {
        var generator = SplitMix64(seed: 2024)
        return (0..<senderCount).map { sender in
            (0..<sendsPerSender).map { n in
                let audience: Audience
                var parts = 1
                switch n % 4 {
                case 0:
                    audience = .location("/room/\(generator.next() % UInt64(locationCount))")
                    parts = 2
                case 1: audience = .principal("user-\(generator.next() % UInt64(clientCount / tabsPerPrincipal))")
                case 2: audience = .client(ids[Int(generator.next() % UInt64(clientCount))])
                default:
                    if n == 3 && sender < 2 {
                        audience = .everyone
                    } else {
                        let location = "/room/\(generator.next() % UInt64(locationCount))"
                        let index = Int(location.dropFirst(6))! + locationCount * Int(generator.next() % 100)
                        audience = Audience(.location(location), excluding: ids[index])
                    }
                }
                return PlannedSend(audience: audience, names: (0..<parts).map { "\(sender).\(n).\($0)" })
            }
        }
    }

    /// The names of the events each client must receive.
    static func expectedNames(plan: [[PlannedSend]], ids: [ClientID]) -> [Set<String>] {
        let indexOfID = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        var expected = [Set<String>](repeating: [], count: ids.count)
        for send in plan.joined() {
            let indices: [Int]
            switch send.audience.target {
            case .client(let id): indices = [indexOfID[id]!]
            case .location(let location):
                let room = Int(location.dropFirst(6))!
                indices = Array(stride(from: room, to: clientCount, by: locationCount))
            case .principal(let principal):
                let user = Int(principal.dropFirst(5))!
                indices = Array(user * tabsPerPrincipal..<(user + 1) * tabsPerPrincipal)
            case .everyone: indices = Array(ids.indices)
            }
            for index in indices where ids[index] != send.audience.excluded {
                expected[index].formUnion(send.names)
            }
        }
        return expected
    }

    static func name(of event: EncodedEvent) -> String {
        event.json(seq: 0)["name"]?.stringValue ?? "?"
    }

    /// Whether each sender's events come in the order it sent them, the parts of one send
    /// next to each other.
    static func isInSendOrder(_ names: [String]) -> Bool {
        var last: [Int: (n: Int, part: Int)] = [:]
        var previous: (sender: Int, n: Int, part: Int)?
        for name in names {
            let fields = name.split(separator: ".").map { Int($0)! }
            let (sender, n, part) = (fields[0], fields[1], fields[2])
            if part > 0 {
                guard let previous, previous.sender == sender, previous.n == n, previous.part == part - 1 else { return false }
            }
            if let seen = last[sender], (seen.n, seen.part) >= (n, part) { return false }
            last[sender] = (n, part)
            previous = (sender, n, part)
        }
        return true
    }
}
