import LivePage
import LivePageEvents
import Testing

/// Presence events: only for clients that asked, the full state first, then differences,
/// coalesced per location, and counts only where lists would cost too much.
@Suite(.timeLimit(.minutes(1)))
struct PresenceTests {
    /// The text forms of the events `id` has queued above `after`.
    func presence(_ harness: Harness, _ id: ClientID, after: UInt64 = 0) throws -> [String] {
        try harness.events(id, after: after).textForms
    }

    @Test func onlyClientsThatAskedGetPresenceEvents() throws {
        let harness = Harness()
        let list = try harness.register("zorg.member.uwe", presence: .list)
        let none = try harness.register("zorg.member.dominik")
        let count = try harness.register("carol", presence: .count)
        harness.advance(by: .milliseconds(100))
        #expect(try harness.poll(none).isParked)
        #expect(
            try presence(harness, list) == [
                "presence\n/zorg: [zorg.member.uwe] 1 + 0 anonymous",
                "presence\n/zorg: +[carol, zorg.member.dominik] -[] 3 + 0 anonymous",
            ])
        #expect(try presence(harness, count) == ["presence\n/zorg: 3 + 0 anonymous"])
    }

    @Test func theFirstEventIsTheFullState() throws {
        let harness = Harness()
        try harness.register("zorg.member.uwe")
        try harness.register(nil)
        try harness.register("alice")
        try harness.register(nil)
        let watcher = try harness.register("zorg.member.dominik", presence: .list)
        let batch = try harness.events(watcher)
        #expect(
            batch.objects == [
                [
                    "seq": 1, "verb": "presence", "location": "/zorg",
                    "principals": ["alice", "zorg.member.dominik", "zorg.member.uwe"], "count": 3, "anonymous": 2,
                ]
            ])
        let anonymousWatcher = try harness.register(nil, presence: .count)
        #expect(try harness.events(anonymousWatcher).objects == [["seq": 1, "verb": "presence", "location": "/zorg", "count": 3, "anonymous": 3]])
    }

    /// Principals that differ only in their bytes (see the audience tests) join and leave
    /// as the two principals they are.
    @Test func principalsThatDifferInTheirBytesJoinAndLeaveApart() throws {
        let harness = Harness()
        let watcher = try harness.register("Kevin", presence: .list)
        harness.advance(to: .milliseconds(100))
        let kelvin = try harness.register("\u{212A}evin")
        harness.advance(to: .milliseconds(200))
        harness.manager.close(kelvin)
        #expect(
            try presence(harness, watcher) == [
                "presence\n/zorg: [Kevin] 1 + 0 anonymous",
                "presence\n/zorg: +[\u{212A}evin] -[] 2 + 0 anonymous",
                "presence\n/zorg: +[] -[\u{212A}evin] 1 + 0 anonymous",
            ])
    }

    @Test func laterEventsAreDifferences() throws {
        let harness = Harness()
        let watcher = try harness.register("zorg.member.uwe", presence: .list)
        let dominik = try harness.register("zorg.member.dominik")
        harness.advance(to: .milliseconds(100))
        try harness.register(nil)
        harness.manager.close(dominik)
        harness.advance(to: .milliseconds(200))
        let batch = try harness.events(watcher)
        #expect(
            batch.objects.dropFirst() == [
                ["seq": 2, "verb": "presence", "location": "/zorg", "joined": ["zorg.member.dominik"], "left": [], "count": 2, "anonymous": 0],
                ["seq": 3, "verb": "presence", "location": "/zorg", "joined": [], "left": ["zorg.member.dominik"], "count": 1, "anonymous": 1],
            ])
    }

    /// Someone who leaves and comes back within one interval is in neither list; someone
    /// who comes and goes within one is not mentioned at all.
    @Test func aPrincipalIsNeverInBothJoinedAndLeft() throws {
        let harness = Harness()
        let watcher = try harness.register("zorg.member.uwe", presence: .list)
        let dominik = try harness.register("zorg.member.dominik")
        harness.advance(to: .milliseconds(100))
        harness.manager.close(dominik)
        try harness.register("zorg.member.dominik")
        let carol = try harness.register("carol")
        harness.manager.close(carol)
        try harness.register("alice")
        harness.advance(to: .milliseconds(200))
        #expect(try presence(harness, watcher, after: 2) == ["presence\n/zorg: +[alice] -[] 3 + 0 anonymous"])
    }

    @Test func aChangeUndoneWithinTheIntervalSendsNothing() throws {
        let harness = Harness()
        let watcher = try harness.register("zorg.member.uwe", presence: .list)
        harness.advance(to: .milliseconds(50))
        let dominik = try harness.register("zorg.member.dominik")
        harness.advance(to: .milliseconds(60))
        harness.manager.close(dominik)
        harness.advance(to: .seconds(1))
        #expect(try harness.poll(watcher, after: 1).isParked)
    }

    @Test func changesAreCoalescedToOneEventPerInterval() throws {
        let harness = Harness()
        let watcher = try harness.register("zorg.member.uwe", presence: .list)
        harness.advance(to: .milliseconds(200))
        try harness.register("a")
        #expect(try presence(harness, watcher, after: 1) == ["presence\n/zorg: +[a] -[] 2 + 0 anonymous"], "at once: none in the last 100 ms")
        let parked = try harness.poll(watcher, after: 2)
        harness.advance(to: .milliseconds(210))
        try harness.register("b")
        harness.advance(to: .milliseconds(250))
        try harness.register("c")
        try harness.register(nil)
        harness.advance(to: .milliseconds(299))
        #expect(parked.isParked, "nothing before 100 ms after the last presence event")
        harness.advance(to: .milliseconds(300))
        #expect(parked.batch?.textForms == ["presence\n/zorg: +[b, c] -[] 4 + 1 anonymous"])
        harness.advance(to: .seconds(1))
        #expect(try harness.poll(watcher, after: 3).isParked)
    }

    @Test func eachClientGetsTheDifferenceFromWhatItLastReceived() throws {
        let harness = Harness()
        let first = try harness.register("a", presence: .list)
        harness.advance(to: .milliseconds(10))
        try harness.register("b")
        harness.advance(to: .milliseconds(20))
        let second = try harness.register("c", presence: .list)
        harness.advance(to: .milliseconds(30))
        try harness.register("d")
        harness.advance(to: .milliseconds(100))
        #expect(try presence(harness, first) == ["presence\n/zorg: [a] 1 + 0 anonymous", "presence\n/zorg: +[b, c, d] -[] 4 + 0 anonymous"])
        #expect(try presence(harness, second) == ["presence\n/zorg: [a, b, c] 3 + 0 anonymous", "presence\n/zorg: +[d] -[] 4 + 0 anonymous"])
    }

    @Test func aPrincipalWithTwoTabsJoinsOnceAndLeavesWithTheLast() throws {
        let harness = Harness()
        let watcher = try harness.register("zorg.member.uwe", presence: .list)
        harness.advance(to: .milliseconds(100))
        let first = try harness.register("zorg.member.dominik")
        harness.advance(to: .milliseconds(200))
        let second = try harness.register("zorg.member.dominik")
        harness.advance(to: .milliseconds(300))
        harness.manager.close(first)
        harness.advance(to: .milliseconds(400))
        #expect(try presence(harness, watcher, after: 1) == ["presence\n/zorg: +[zorg.member.dominik] -[] 2 + 0 anonymous"])
        harness.manager.close(second)
        #expect(try presence(harness, watcher, after: 2) == ["presence\n/zorg: +[] -[zorg.member.dominik] 1 + 0 anonymous"])
    }

    @Test func anExpiredClientLeaves() throws {
        let harness = Harness { $0.firstPollTimeout = .seconds(1) }
        let watcher = try harness.register("zorg.member.uwe", presence: .list)
        try harness.register("zorg.member.dominik")
        harness.advance(to: .milliseconds(100))
        let poll = try harness.poll(watcher, after: 2)
        harness.advance(to: .seconds(1))
        #expect(harness.online() == #"["zorg.member.uwe"] +0"#)
        #expect(poll.batch?.textForms == ["presence\n/zorg: +[] -[zorg.member.dominik] 1 + 0 anonymous"])
    }

    @Test func countModeGetsTotalsOnly() throws {
        let harness = Harness()
        let watcher = try harness.register(nil, presence: .count)
        harness.advance(to: .milliseconds(100))
        let uwe = try harness.register("zorg.member.uwe")
        harness.advance(to: .milliseconds(200))
        try harness.register("zorg.member.uwe")
        harness.advance(to: .milliseconds(300))
        harness.manager.close(uwe)
        try harness.register(nil)
        harness.advance(to: .milliseconds(400))
        #expect(
            try harness.events(watcher).objects == [
                ["seq": 1, "verb": "presence", "location": "/zorg", "count": 0, "anonymous": 1],
                ["seq": 2, "verb": "presence", "location": "/zorg", "count": 1, "anonymous": 1],
                ["seq": 3, "verb": "presence", "location": "/zorg", "count": 1, "anonymous": 2],
            ])
    }

    @Test func countModeHearsNothingWhenTheTotalsStayTheSame() throws {
        let harness = Harness()
        let watcher = try harness.register(nil, presence: .count)
        let dominik = try harness.register("zorg.member.dominik")
        harness.advance(to: .milliseconds(100))
        harness.manager.close(dominik)
        try harness.register("carol")
        harness.advance(to: .milliseconds(200))
        #expect(try harness.events(watcher).textForms == ["presence\n/zorg: 0 + 1 anonymous", "presence\n/zorg: 1 + 1 anonymous"])
    }

    @Test func aboveTheListLimitListClientsGetCountsOnly() throws {
        let harness = Harness { $0.presenceListLimit = 3 }
        let watcher = try harness.register("a", presence: .list)
        let counter = try harness.register(nil, presence: .count)
        try harness.register("b")
        try harness.register("c")
        harness.advance(to: .milliseconds(100))
        let d = try harness.register("d")
        harness.advance(to: .milliseconds(200))
        let e = try harness.register("e")
        harness.advance(to: .milliseconds(300))
        let late = try harness.register("f", presence: .list)
        harness.advance(to: .milliseconds(400))
        harness.manager.close(d)
        harness.manager.close(e)
        harness.manager.close(late)
        harness.advance(to: .milliseconds(500))
        #expect(
            try presence(harness, watcher) == [
                "presence\n/zorg: [a] 1 + 0 anonymous",
                "presence\n/zorg: +[b, c] -[] 3 + 1 anonymous",
                "presence\n/zorg: 4 + 1 anonymous",
                "presence\n/zorg: 5 + 1 anonymous",
                "presence\n/zorg: 6 + 1 anonymous",
                "presence\n/zorg: [a, b, c] 3 + 1 anonymous",
            ])
        #expect(try presence(harness, counter).count == 6)
        #expect(try harness.events(watcher, after: 3).objects.first == ["seq": 4, "verb": "presence", "location": "/zorg", "count": 5, "anonymous": 1])
    }

    @Test func aListClientRegisteredAboveTheLimitGetsTheListsWhenItFallsBack() throws {
        let harness = Harness { $0.presenceListLimit = 1 }
        let uwe = try harness.register("zorg.member.uwe")
        let watcher = try harness.register("zorg.member.dominik", presence: .list)
        harness.advance(to: .milliseconds(100))
        harness.manager.close(uwe)
        harness.advance(to: .milliseconds(200))
        #expect(
            try presence(harness, watcher) == [
                "presence\n/zorg: 2 + 0 anonymous",
                "presence\n/zorg: [zorg.member.dominik] 1 + 0 anonymous",
            ])
    }

    @Test func presenceIsPerLocation() throws {
        let harness = Harness()
        let watcher = try harness.register("zorg.member.uwe", at: "/chat", presence: .list)
        harness.advance(to: .milliseconds(100))
        try harness.register("zorg.member.dominik", at: "/news")
        harness.advance(to: .milliseconds(200))
        #expect(try presence(harness, watcher) == ["presence\n/chat: [zorg.member.uwe] 1 + 0 anonymous"])
        #expect(try harness.poll(watcher, after: 1).isParked)
    }

    /// A location whose last client goes leaves no timer behind, and starts afresh.
    @Test func anEmptiedLocationLeavesNoPendingPresence() throws {
        let harness = Harness()
        let timers = harness.clock.scheduledTimerCount
        let watcher = try harness.register("zorg.member.uwe", presence: .list)
        let dominik = try harness.register("zorg.member.dominik")
        #expect(harness.clock.scheduledTimerCount == timers + 1)
        harness.manager.close(dominik)
        harness.manager.close(watcher)
        #expect(harness.clock.scheduledTimerCount == timers)
        #expect(harness.manager.metrics.locations == 0)
        let again = try harness.register("carol", presence: .list)
        harness.advance(to: .milliseconds(100))
        #expect(try presence(harness, again) == ["presence\n/zorg: [carol] 1 + 0 anonymous"])
    }

    /// A parked poll of a presence client is answered by the presence event.
    @Test func aPresenceEventAnswersAParkedPoll() throws {
        let harness = Harness()
        let watcher = try harness.register("zorg.member.uwe", presence: .list)
        let poll = try harness.poll(watcher, after: 1)
        try harness.register("zorg.member.dominik")
        #expect(poll.isParked)
        harness.advance(to: .milliseconds(100))
        #expect(poll.batch?.textForms == ["presence\n/zorg: +[zorg.member.dominik] -[] 2 + 0 anonymous"])
    }
}
