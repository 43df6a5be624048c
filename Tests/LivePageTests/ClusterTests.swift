import LivePage
import LivePageEvents
import Synchronization
import Testing

/// What a manager offers a bus to other servers: tagged ids, merged presence, reports of
/// its own part, and loud failure (output suspended, clients dropped).
@Suite(.timeLimit(.minutes(1)))
struct ClusterTests {
    @Test func idsCarryTheServersTagInTheirFirstByte() throws {
        let harness = Harness { $0.nodeTag = 0xA7 }
        let ids = try (0..<200).map { _ in try harness.register(nil) }
        #expect(ids.allSatisfy { $0.nodeTag == 0xA7 && $0.description.hasPrefix("a7") })
        #expect(Set(ids).count == 200)
        #expect(ids.allSatisfy { Array($0.description)[14] == "4" }, "still version 4")
        #expect(ids.allSatisfy { ClientID($0.description) == $0 })
    }

    @Test func whoIsOnlineMergesTheOtherServersPart() throws {
        let harness = Harness()
        try harness.register("zorg.member.uwe")
        harness.manager.setRemotePresence(PresencePart(principals: ["zorg.member.dominik", "zorg.member.uwe"], anonymous: 2), at: "/zorg")
        #expect(harness.online() == #"["zorg.member.dominik", "zorg.member.uwe"] +2"#)
        harness.manager.setRemotePresence(nil, at: "/zorg")
        #expect(harness.online() == #"["zorg.member.uwe"] +0"#)
    }

    @Test func aLocationWithClientsOnlyElsewhereIsStillOnline() {
        let harness = Harness()
        harness.manager.setRemotePresence(PresencePart(principals: ["carol"], anonymous: 1), at: "/elsewhere")
        #expect(harness.online(at: "/elsewhere") == #"["carol"] +1"#)
    }

    @Test func presenceClientsHearOfPrincipalsOnOtherServers() throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe", presence: .list)
        harness.manager.setRemotePresence(PresencePart(principals: ["zorg.member.dominik"], anonymous: 0), at: "/zorg")
        harness.advance(by: .milliseconds(100))
        // Dominik opens a tab here too: no change, he is online already.
        let local = try harness.register("zorg.member.dominik")
        harness.advance(by: .milliseconds(100))
        // His tab on the other server closes: still online here.
        harness.manager.setRemotePresence(nil, at: "/zorg")
        harness.advance(by: .milliseconds(100))
        harness.manager.close(local)
        harness.advance(by: .milliseconds(100))
        #expect(
            try harness.events(uwe).textForms == [
                "presence\n/zorg: [zorg.member.uwe] 1 + 0 anonymous",
                "presence\n/zorg: +[zorg.member.dominik] -[] 2 + 0 anonymous",
                "presence\n/zorg: +[] -[zorg.member.dominik] 1 + 0 anonymous",
            ])
    }

    /// Collects the local parts a manager reports.
    final class Reports: Sendable {
        private let reports = Mutex<[[String: PresencePart]]>([])
        func add(_ parts: [String: PresencePart]) { reports.withLock { $0.append(parts) } }
        var all: [[String: PresencePart]] { reports.withLock { $0 } }
    }

    @Test func theLocalPartIsReportedOncePerIntervalWithItsLatestState() throws {
        let harness = Harness()
        let reports = Reports()
        harness.manager.observeLocalPresence { reports.add($0) }
        let uwe = try harness.register("zorg.member.uwe")
        try harness.register(nil, at: "/other")
        try harness.register("zorg.member.uwe")
        #expect(reports.all.isEmpty, "coalesced over the presence interval")
        harness.advance(by: .milliseconds(100))
        #expect(
            reports.all == [
                [
                    "/zorg": PresencePart(principals: ["zorg.member.uwe"], anonymous: 0),
                    "/other": PresencePart(principals: [], anonymous: 1),
                ]
            ])
        harness.manager.close(uwe)
        harness.advance(by: .milliseconds(100))
        #expect(reports.all.count == 1, "a second tab closing changes nothing others see")
        #expect(harness.manager.localPresence["/zorg"] == PresencePart(principals: ["zorg.member.uwe"], anonymous: 0))
    }

    @Test func aLocationLeftEmptyIsReportedEmpty() throws {
        let harness = Harness()
        let reports = Reports()
        harness.manager.observeLocalPresence { reports.add($0) }
        let uwe = try harness.register("zorg.member.uwe")
        harness.advance(by: .milliseconds(100))
        harness.manager.close(uwe)
        harness.advance(by: .milliseconds(100))
        #expect(reports.all.last == ["/zorg": .empty])
    }

    @Test func suspendedOutputAnswersUnavailableUntilResumed() throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let parked = try harness.poll(uwe)
        harness.manager.suspendOutput()
        #expect(parked.waiterAnswers == ["unavailable"])
        #expect(try harness.answer(uwe).summary == "unavailable")
        harness.manager.resumeOutput()
        #expect(try harness.poll(uwe).isParked)
    }

    @Test func droppingAllClientsAnswersTheirPollsGoneAndKeepsRegistering() throws {
        let harness = Harness()
        let uwe = try harness.register("zorg.member.uwe")
        let dominik = try harness.register("zorg.member.dominik")
        let parked = try harness.poll(uwe)
        #expect(harness.manager.dropAllClients(reason: .evicted) == 2)
        #expect(parked.waiterAnswers == ["gone(evicted)"])
        #expect(try harness.answer(dominik).summary == "gone(evicted)")
        #expect(harness.online() == "[] +0")
        let carol = try harness.register("carol")
        #expect(try harness.poll(carol).isParked)
    }
}
