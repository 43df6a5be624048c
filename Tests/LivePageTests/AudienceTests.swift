import LivePage
import LivePageEvents
import Synchronization
import Testing

/// Sending to an audience (one client, a location, a principal's tabs, everyone, with
/// one client left out) and disconnecting one, through the delivery seam.
@Suite(.timeLimit(.minutes(1)))
struct AudienceTests {
    /// Three principals over two locations; uwe has a tab at each, and one page is anonymous.
    struct Site {
        let harness = Harness()
        let uweChat: ClientID
        let uweNews: ClientID
        let dominikChat: ClientID
        let anonymousChat: ClientID
        let carolNews: ClientID

        init() throws {
            uweChat = try harness.register("zorg.member.uwe", at: "/chat")
            uweNews = try harness.register("zorg.member.uwe", at: "/news")
            dominikChat = try harness.register("zorg.member.dominik", at: "/chat")
            anonymousChat = try harness.register(nil, at: "/chat")
            carolNews = try harness.register("carol", at: "/news")
        }

        var everyone: [ClientID] { [uweChat, uweNews, dominikChat, anonymousChat, carolNews] }
    }

    @Test func oneClient() async throws {
        let site = try Site()
        #expect(try await site.harness.send(Append(id: "t", html: "x"), to: .client(site.uweNews)) == 1)
        #expect(try received(site) == [site.uweNews])
    }

    @Test func aLocation() async throws {
        let site = try Site()
        #expect(try await site.harness.send(Append(id: "t", html: "x"), to: .location("/chat")) == 3)
        #expect(try received(site) == [site.uweChat, site.dominikChat, site.anonymousChat])
    }

    @Test func aPrincipalInEveryTabAtEveryLocation() async throws {
        let site = try Site()
        #expect(try await site.harness.send(Append(id: "t", html: "x"), to: .principal("zorg.member.uwe")) == 2)
        #expect(try received(site) == [site.uweChat, site.uweNews])
    }

    @Test func everyone() async throws {
        let site = try Site()
        #expect(try await site.harness.send(Append(id: "t", html: "x"), to: .everyone) == 5)
        #expect(try received(site) == Set(site.everyone))
    }

    @Test func leavingOneClientOut() async throws {
        let site = try Site()
        let harness = site.harness
        #expect(try await harness.send(Remove(id: "a"), to: .location("/chat").excluding(site.dominikChat)) == 2)
        #expect(try received(site) == [site.uweChat, site.anonymousChat])
        #expect(try await harness.send(Remove(id: "b"), to: Audience(.everyone, excluding: site.carolNews)) == 4)
        #expect(try await harness.send(Remove(id: "c"), to: .principal("zorg.member.uwe").excluding(site.uweNews)) == 1)
        #expect(try await harness.send(Remove(id: "d"), to: .client(site.uweChat).excluding(site.uweChat)) == 0)
        // Leaving out a client that is not in the audience changes nothing.
        #expect(try await harness.send(Remove(id: "e"), to: .location("/news").excluding(site.dominikChat)) == 2)
    }

    @Test func severalEventsCountOncePerClientAndEvent() async throws {
        let site = try Site()
        let events: [any Event] = [Append(id: "log", html: "1"), Append(id: "log", html: "2"), Text(id: "n", text: "2")]
        #expect(try await site.harness.send(events, to: .location("/news")) == 6)
        #expect(try site.harness.events(site.carolNews).textForms == ["append log\n1", "append log\n2", "text n\n2"])
    }

    @Test func anAudienceWithNobodyGetsNothing() async throws {
        let site = try Site()
        let harness = site.harness
        #expect(try await harness.send(Remove(id: "a"), to: .location("/nowhere")) == 0)
        #expect(try await harness.send(Remove(id: "a"), to: .principal("nobody")) == 0)
        #expect(try await harness.send(Remove(id: "a"), to: .client(ClientID())) == 0)
        #expect(try await harness.send([], to: .everyone) == 0)
        #expect(try received(site) == [])
    }

    @Test func aGoneClientIsNoLongerInAnyAudience() async throws {
        let site = try Site()
        site.harness.manager.close(site.uweChat)
        #expect(try await site.harness.send(Remove(id: "a"), to: .client(site.uweChat)) == 0)
        #expect(try await site.harness.send(Remove(id: "a"), to: .principal("zorg.member.uwe")) == 1)
        #expect(try await site.harness.send(Remove(id: "a"), to: .location("/chat")) == 2)
        #expect(try await site.harness.send(Remove(id: "a"), to: .everyone) == 4)
    }

    @Test func eachParkedClientOfAnAudienceIsAnswered() async throws {
        let site = try Site()
        let polls = try site.everyone.map { try site.harness.poll($0) }
        #expect(try await site.harness.send(Text(id: "n", text: "1"), to: .principal("carol")) == 1)
        #expect(polls.map(\.waiterAnswers) == [[], [], [], [], ["events 1"]])
        #expect(try await site.harness.send(Text(id: "n", text: "2"), to: .everyone) == 5)
        #expect(polls.map(\.waiterAnswers) == [["events 1"], ["events 1"], ["events 1"], ["events 1"], ["events 1"]])
        #expect(polls[0].batch?.textForms == ["text n\n2"])
        #expect(site.harness.manager.metrics.parkedPolls == 0)
    }

    /// Regression: principals and locations were told apart with `String` equality, which
    /// is Unicode canonical equivalence, so `"\u{212A}evin"` (with KELVIN SIGN) was the same
    /// principal as `"Kevin"`: it got Kevin's events, and shared Kevin's tab limit.
    @Test func principalsThatDifferInTheirBytesAreDifferentPrincipals() async throws {
        let harness = Harness { $0.maximumClientsPerPrincipal = 1 }
        let kevin = try harness.register("Kevin")
        let kelvin = try harness.register("\u{212A}evin")
        #expect(harness.manager.online(at: "/zorg").principals == ["Kevin", "\u{212A}evin"])
        #expect(try await harness.send(Remove(id: "secret"), to: .principal("Kevin")) == 1)
        #expect(try harness.events(kevin).textForms == ["remove secret"])
        #expect(try harness.poll(kelvin).isParked)
        #expect(try await harness.manager.disconnect(.principal("\u{212A}evin")) == 1)
        #expect(harness.manager.client(kevin) != nil)
    }

    /// Regression: as with principals, `"/caf\u{E9}"` and `"/cafe\u{301}"` were one location.
    @Test func locationsThatDifferInTheirBytesAreDifferentLocations() async throws {
        let harness = Harness { $0.maximumLocations = 1 }
        let composed = try harness.register("a", at: "/caf\u{E9}")
        #expect(throws: ManagerError.tooManyLocations(limit: 1)) { try harness.register("b", at: "/cafe\u{301}") }
        let other = Harness()
        let first = try other.register("a", at: "/caf\u{E9}")
        let second = try other.register("b", at: "/cafe\u{301}")
        #expect(other.manager.online(at: "/caf\u{E9}").principals == ["a"])
        #expect(other.manager.online(at: "/cafe\u{301}").principals == ["b"])
        #expect(try await other.send(Remove(id: "x"), to: .location("/cafe\u{301}")) == 1)
        #expect(try other.poll(first).isParked)
        #expect(try other.events(second).textForms == ["remove x"])
        _ = composed
    }

    // MARK: Disconnect

    @Test func disconnectRemovesAnAudienceAtOnce() async throws {
        let site = try Site()
        let harness = site.harness
        let parked = try harness.poll(site.uweChat)
        #expect(try await harness.manager.disconnect(.principal("zorg.member.uwe")) == 2)
        #expect(parked.waiterAnswers == ["gone(closed)"])
        #expect(try harness.answer(site.uweNews).summary == "gone(closed)")
        #expect(harness.manager.client(site.uweChat) == nil)
        #expect(harness.online(at: "/chat") == #"["zorg.member.dominik"] +1"#)
        #expect(harness.online(at: "/news") == #"["carol"] +0"#)
        #expect(try await harness.send(Remove(id: "a"), to: .everyone) == 3)
    }

    @Test func disconnectEveryAudience() async throws {
        let site = try Site()
        let manager = site.harness.manager
        #expect(try await manager.disconnect(.client(site.carolNews)) == 1)
        #expect(try await manager.disconnect(.location("/chat").excluding(site.anonymousChat)) == 2)
        #expect(try await manager.disconnect(.location("/chat")) == 1)
        #expect(try await manager.disconnect(.principal("nobody")) == 0)
        #expect(try await manager.disconnect(.everyone) == 1)
        #expect(manager.metrics.clients == 0)
        #expect(manager.metrics.locations == 0)
        for id in site.everyone { #expect(try site.harness.answer(id).summary == "gone(closed)") }
    }

    // MARK: The delivery seam

    /// A bus that records what the manager hands it, then delivers locally as the
    /// in-memory bus does: what a multi-server bus would carry.
    final class RecordingBus: EventBus {
        private let state = Mutex<(manager: BusEndpoint?, messages: [String])>((nil, []))

        func attach(to manager: BusEndpoint) { state.withLock { $0.manager = manager } }

        func publish(_ message: BusMessage) async -> Int {
            let manager = state.withLock { state -> BusEndpoint? in
                switch message {
                case .events(let events, let audience): state.messages.append("\(events.map(\.textForm)) to \(audience.target)")
                case .disconnect(let audience): state.messages.append("disconnect \(audience.target)")
                }
                return state.manager
            }
            guard let manager else { return 0 }
            return await withCheckedContinuation { done in manager.deliverLocally(message) { done.resume(returning: $0) } }
        }

        var messages: [String] { state.withLock { $0.messages } }
    }

    @Test func everySendAndDisconnectGoesThroughTheBus() async throws {
        let bus = RecordingBus()
        let manager = ClientManager(clock: ManualClock(), bus: bus)
        let uwe = try manager.register(at: "/chat", principal: "zorg.member.uwe").client.id
        #expect(try await manager.send(Remove(id: "a"), to: .location("/chat")) == 1)
        #expect(try await manager.input(from: uwe, fields: EventFields(form: [("verb", "append"), ("id", "t"), ("html", "b")])) == 1)
        #expect(try await manager.disconnect(.principal("zorg.member.uwe")) == 1)
        #expect(
            bus.messages == [
                #"["remove a"] to location("/chat")"#, #"["append t\nb"] to location("/chat")"#,
                #"disconnect principal("zorg.member.uwe")"#,
            ])
    }

    /// A bus that carries every message to two managers, as a broker would to two servers.
    final class SharedBus: EventBus {
        private let managers = Mutex<[BusEndpoint]>([])

        func attach(to manager: BusEndpoint) { managers.withLock { $0.append(manager) } }

        func publish(_ message: BusMessage) async -> Int {
            var total = 0
            for manager in managers.withLock({ $0 }) {
                total += await withCheckedContinuation { done in manager.deliverLocally(message) { done.resume(returning: $0) } }
            }
            return total
        }
    }

    @Test func aSendReachesTheClientsOfEveryServerOnTheBus() async throws {
        let bus = SharedBus()
        let first = ClientManager(clock: ManualClock(), bus: bus)
        let second = ClientManager(clock: ManualClock(), bus: bus)
        let uwe = try first.register(at: "/chat", principal: "zorg.member.uwe").client.id
        let dominik = try second.register(at: "/chat", principal: "zorg.member.dominik").client.id
        #expect(try await first.send(Append(id: "t", html: "hello"), to: .location("/chat")) == 2)
        #expect(try await first.output(for: uwe).textForms == ["append t\nhello"])
        #expect(try await second.output(for: dominik).textForms == ["append t\nhello"])
    }

    @Test func theInMemoryBusSendsAtOnceWithoutAwaiting() throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe", at: "/chat")
        let parked = try harness.poll(uwe)
        let sent = Mutex<Int?>(nil)
        try harness.manager.send(encoded: [EncodedEvent(Append(id: "t", html: "now"))], to: .location("/chat")) { result in
            sent.withLock { $0 = try? result.get() }
        }
        #expect(sent.withLock { $0 } == 1, "answered before send returned, on this thread")
        #expect(parked.answer?.batch?.textForms == ["append t\nnow"])
    }

    @Test func aBusThatMustAwaitIsAwaitedByTheCallbackSend() async throws {
        let bus = SharedBus()
        let manager = ClientManager(clock: ManualClock(), bus: bus)
        let uwe = try manager.register(at: "/chat", principal: "zorg.member.uwe").client.id
        let sent = await withCheckedContinuation { done in
            do {
                try manager.send(encoded: [EncodedEvent(Remove(id: "b"))], to: .location("/chat")) { done.resume(returning: try? $0.get()) }
            } catch {
                done.resume(returning: nil)
            }
        }
        #expect(sent == 1)
        #expect(try await manager.output(for: uwe).textForms == ["remove b"])
    }

    /// An empty send must not reach clients at all: a parked poll would be answered with
    /// an empty batch, an idle answer long before its hold time.
    @Test func anEmptySendAnswersNoParkedPoll() async throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe", at: "/chat")
        let parked = try harness.poll(uwe)
        #expect(try await harness.manager.send([any Event](), to: .location("/chat")) == 0)
        try harness.manager.send(encoded: [], to: .location("/chat")) { #expect((try? $0.get()) == 0) }
        #expect(parked.answer == nil)
    }

    private func received(_ site: Site) throws -> Set<ClientID> {
        var receivers: Set<ClientID> = []
        for id in site.everyone {
            let poll = try site.harness.poll(id)
            if let ticket = poll.ticket {
                site.harness.manager.cancelPoll(ticket)
            } else {
                receivers.insert(id)
            }
        }
        return receivers
    }
}
