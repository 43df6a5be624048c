import LivePage
import LivePageEvents
import Testing

/// Every limit, its error and the status the server answers it with, and shutting down.
@Suite(.timeLimit(.minutes(1)))
struct LimitTests {
    // MARK: Queues

    @Test func overflowingTheQueueByCountEvictsThatClientOnly() async throws {
        let harness = Harness { $0.maximumQueuedEvents = 3 }
        let uwe = try harness.register("zorg.member.uwe")
        let dominik = try harness.register("zorg.member.dominik")
        #expect(try await harness.send([Remove(id: "a"), Remove(id: "b"), Remove(id: "c")], to: .location("/zorg")) == 6)
        let acknowledged = try harness.poll(uwe, after: 3)
        #expect(acknowledged.isParked)
        #expect(try await harness.send(Remove(id: "d"), to: .location("/zorg")) == 1)
        #expect(try harness.answer(dominik).summary == "gone(evicted)")
        await #expect(throws: ManagerError.clientGone(.evicted)) { try await harness.manager.output(for: dominik) }
        #expect(acknowledged.batch?.textForms == ["remove d"])
        #expect(harness.online() == #"["zorg.member.uwe"] +0"#)
        #expect(harness.manager.metrics.evictions == 1)
        #expect(try await harness.send(Remove(id: "e"), to: .client(dominik)) == 0)
    }

    @Test func overflowingTheQueueByBytesEvictsThatClientOnly() async throws {
        let harness = Harness { $0.maximumQueuedBytes = 1000 }
        let uwe = try harness.register("zorg.member.uwe")
        let dominik = try harness.register("zorg.member.dominik")
        // Appends, which compaction never merges: three updates of one element would be.
        let html = String(repeating: "x", count: 300)
        #expect(try await harness.send(Append(id: "big", html: html), to: .location("/zorg")) == 2)
        #expect(try await harness.send(Append(id: "big", html: html), to: .location("/zorg")) == 2)
        let parked = try harness.poll(uwe, after: 2)
        #expect(try await harness.send(Append(id: "big", html: html), to: .location("/zorg")) == 1)
        #expect(parked.waiterAnswers == ["events 3"])
        #expect(try harness.answer(dominik).summary == "gone(evicted)")
    }

    /// A page that keeps up never reaches its limits, however many events it is sent.
    @Test func acknowledgedEventsNoLongerCountTowardTheLimits() async throws {
        let harness = Harness {
            $0.maximumQueuedEvents = 10
            $0.maximumQueuedBytes = 2000
        }
        let uwe = try harness.register("zorg.member.uwe")
        var after: UInt64 = 0
        for round in 0..<500 {
            try await harness.send([Text(id: "n", text: String(repeating: "x", count: 200)), Remove(id: try ElementID(validating: "r\(round)"))], to: .client(uwe))
            let batch = try harness.events(uwe, after: after)
            #expect(batch.seqs == [after + 1, after + 2])
            after += 2
        }
        #expect(harness.manager.metrics.evictions == 0)
    }

    @Test func aClientPushedOverItsLimitIsEvicted() async throws {
        let harness = Harness { $0.maximumQueuedEvents = 2 }
        let uwe = try harness.register("zorg.member.uwe")
        let parked = try harness.poll(uwe)
        #expect(try await harness.send([Remove(id: "a"), Remove(id: "b")], to: .client(uwe)) == 2)
        #expect(parked.answer?.batch?.seqs == [1, 2], "answered, but kept until acknowledged")
        #expect(try await harness.send(Remove(id: "c"), to: .client(uwe)) == 0)
        #expect(try harness.answer(uwe).summary == "gone(evicted)")
    }

    /// Regression: evicting one recipient of a send updated presence at once, which
    /// evicted a presence client later in the same send; the send then queued for that
    /// removed client anyway and counted its eviction a second time.
    @Test func aClientEvictedDuringASendIsNotQueuedForOrEvictedAgain() async throws {
        let harness = Harness { $0.maximumQueuedEvents = 2 }
        let reader = try harness.register(nil)
        let watcher = try harness.register("zorg.member.uwe", presence: .list)
        try await harness.send(Remove(id: "a"), to: .client(watcher))
        try await harness.send([Remove(id: "a"), Remove(id: "b")], to: .client(reader))
        harness.advance(by: .milliseconds(100))
        // The reader overflows first; its leaving is a presence event that overflows the watcher.
        #expect(try await harness.send(Remove(id: "c"), to: .location("/zorg")) == 0)
        #expect(harness.manager.metrics.evictions == 2)
        #expect(harness.manager.metrics.clients == 0)
        #expect(try harness.answer(reader).summary == "gone(evicted)")
        #expect(try harness.answer(watcher).summary == "gone(evicted)")
    }

    /// Regression (red team): a publish of 1,025 events to `all` answered
    /// `{"delivered": 0}` and evicted every client, as events were queued before the
    /// limit was checked. Now it is refused before anything is queued.
    @Test func aSendOfMoreEventsThanAQueueHoldsIsRefusedBeforeAnythingIsQueued() async throws {
        let harness = Harness { $0.maximumQueuedEvents = 3 }
        let uwe = try harness.register("zorg.member.uwe")
        let parked = try harness.poll(uwe)
        let error = await #expect(throws: ManagerError.publishTooLarge(events: 3, bytes: 1 << 20)) {
            try await harness.send([Remove(id: "a"), Remove(id: "b"), Remove(id: "c"), Remove(id: "d")], to: .everyone)
        }
        #expect(error?.status == 413)
        #expect(parked.isParked, "nothing was queued")
        #expect(harness.manager.metrics.evictions == 0)
        #expect(try await harness.send([Remove(id: "a"), Remove(id: "b"), Remove(id: "c")], to: .everyone) == 3)
    }

    @Test func anEventLargerThanTheQueueLimitIsRefused() async throws {
        let harness = Harness { $0.maximumQueuedBytes = 1000 }
        let tooLarge = ManagerError.publishTooLarge(events: 1024, bytes: 1000)
        let uwe = try harness.register("zorg.member.uwe")
        let parked = try harness.poll(uwe)
        let large = Update(id: "big", html: String(repeating: "x", count: 1000))
        let error = await #expect(throws: tooLarge) {
            try await harness.send([Remove(id: "small"), large], to: .everyone)
        }
        #expect(error?.status == 413)
        #expect(parked.isParked, "nothing of the refused send was queued")
        #expect(harness.manager.client(uwe) != nil)
        let fields = try EventFields(form: [("verb", "append"), ("id", "log"), ("html", String(repeating: "<", count: 300))])
        await #expect(throws: tooLarge) { try await harness.manager.input(from: uwe, fields: fields) }
    }

    // MARK: Registration

    /// Red team: anonymous clients had no cap of their own, so plain GETs of a page that
    /// registers its client (an `<img>` on another site) could take every place.
    @Test func anonymousClientsHaveACapOfTheirOwn() throws {
        let harness = Harness { $0.maximumAnonymousClients = 2 }
        try harness.register(nil)
        try harness.register(nil, at: "/other")
        let error = #expect(throws: ManagerError.tooManyAnonymousClients(limit: 2)) { try harness.register(nil) }
        #expect(error?.status == 429)
        #expect(error?.description.contains("2 anonymous clients") == true)
        try harness.register("zorg.member.uwe")
        harness.manager.close(try harness.register("zorg.member.dominik"))
        #expect(harness.manager.metrics.clients == 3, "principals are not held back by the anonymous cap")
    }

    @Test func clientsPerServer() throws {
        let harness = Harness { $0.maximumClients = 2 }
        let first = try harness.register("a")
        try harness.register(nil, at: "/other")
        let error = #expect(throws: ManagerError.tooManyClients(limit: 2)) { try harness.register("c") }
        #expect(error?.status == 503)
        #expect(error?.isTemporary == true)
        #expect(harness.manager.metrics.clients == 2)
        harness.manager.close(first)
        try harness.register("c")
    }

    @Test func clientsPerPrincipalAtEveryLocation() throws {
        let harness = Harness { $0.maximumClientsPerPrincipal = 2 }
        let first = try harness.register("zorg.member.uwe", at: "/a")
        try harness.register("zorg.member.uwe", at: "/b")
        let error = #expect(throws: ManagerError.tooManyClientsForPrincipal(limit: 2)) { try harness.register("zorg.member.uwe", at: "/c") }
        #expect(error?.status == 429)
        #expect(error?.isTemporary == true)
        #expect(harness.manager.metrics.locations == 2, "the refused registration left no location behind")
        try harness.register("zorg.member.dominik", at: "/a")
        try harness.register(nil, at: "/a")
        try harness.register(nil, at: "/a")
        try harness.register(nil, at: "/a")
        harness.manager.close(first)
        try harness.register("zorg.member.uwe", at: "/c")
    }

    @Test func distinctLocations() throws {
        let harness = Harness { $0.maximumLocations = 2 }
        let first = try harness.register(nil, at: "/a")
        try harness.register(nil, at: "/b")
        let error = #expect(throws: ManagerError.tooManyLocations(limit: 2)) { try harness.register(nil, at: "/c") }
        #expect(error?.status == 429)
        try harness.register("zorg.member.uwe", at: "/a")
        harness.manager.close(first)
        #expect(throws: ManagerError.tooManyLocations(limit: 2)) { try harness.register(nil, at: "/c") }
        harness.manager.close(try harness.manager.register(at: "/b", principal: nil).client.id)
        #expect(harness.manager.metrics.locations == 2)
    }

    @Test func aLocationFreedByItsLastClientMayBeReplaced() throws {
        let harness = Harness { $0.maximumLocations = 1 }
        let only = try harness.register(nil, at: "/a")
        harness.manager.close(only)
        try harness.register(nil, at: "/b")
    }

    @Test(arguments: ["", String(repeating: "x", count: 513), "/a\nb", "/a\u{0}", "/a\u{7F}", "\t"])
    func anInvalidLocationIsRefused(location: String) {
        let harness = Harness()
        let error = #expect(throws: ManagerError.self) { try harness.register(nil, at: location) }
        #expect(error?.status == 400)
        #expect(error?.description.hasPrefix("The location ") == true)
        #expect(harness.manager.metrics.locations == 0)
    }

    @Test(arguments: ["/", "/chat/lobby", String(repeating: "x", count: 512), "/café ☕", "/a b?c=d#e"])
    func aValidLocationIsAccepted(location: String) throws {
        let harness = Harness()
        try harness.register(nil, at: location)
        #expect(harness.manager.online(at: location).anonymous == 1)
    }

    @Test(arguments: ["", String(repeating: "u", count: 257), "uwe\n", "\u{1B}[31m", "a\u{7F}"])
    func anInvalidPrincipalIsRefused(principal: String) {
        let harness = Harness()
        let error = #expect(throws: ManagerError.self) { try harness.register(principal) }
        #expect(error?.status == 400)
        #expect(error?.description.hasPrefix("The principal ") == true)
        #expect(harness.manager.metrics.clients == 0)
    }

    @Test(arguments: ["a", String(repeating: "u", count: 256), "zorg.member.uwe", "Ünïcödé user", "alice@example.com"])
    func aValidPrincipalIsAccepted(principal: String) throws {
        let harness = Harness()
        try harness.register(principal)
        #expect(harness.manager.online(at: "/zorg").principals == [principal])
    }

    // MARK: Shutting down

    @Test func shutDownAnswersParkedPollsAndRefusesNewOnes() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let dominik = try harness.register("zorg.member.dominik")
        let parked = try harness.poll(uwe)
        let output = Task { [manager = harness.manager] in try await manager.output(for: dominik) }
        try await waitUntil("the output parks") { harness.manager.metrics.parkedPolls == 2 }
        harness.manager.shutDown()
        #expect(parked.waiterAnswers == ["shuttingDown"])
        let error = await #expect(throws: ManagerError.shuttingDown) { try await output.value }
        #expect(error?.status == 503)
        #expect(error?.isTemporary == true)
        #expect(harness.manager.metrics.parkedPolls == 0)
        #expect(try harness.answer(uwe).summary == "shuttingDown")
        #expect(try harness.answer(ClientID()).summary == "shuttingDown")
        #expect(throws: ManagerError.shuttingDown) { try harness.register("carol") }
        harness.advance(by: .seconds(60))
        #expect(parked.waiterAnswers == ["shuttingDown"])
    }

    @Test func errorsSayWhatToDo() {
        #expect(ManagerError.tooManyClients(limit: 5).description == "The server holds its maximum of 5 clients; try again later.")
        #expect(ManagerError.clientGone(.evicted).description == "The client's events could not all be kept (it fell too far behind, or its server lost them); reload the page.")
        #expect(ManagerError.afterBeyondLastSeq.description == "The parameter 'after' is higher than the last seq given to this client.")
        #expect(ManagerError.superseded.goneReason == nil)
        #expect(!ManagerError.superseded.isTemporary)
    }
}
