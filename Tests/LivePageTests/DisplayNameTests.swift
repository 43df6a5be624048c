import LivePage
import LivePageEvents
import Synchronization
import Testing

/// Display names in presence (a backend's `meta.name`): in the full state for listed
/// principals, in changes for those that joined; and the join and leave hook a presence
/// webhook hears.
@Suite(.timeLimit(.minutes(1)))
struct DisplayNameTests {
    @Test func theStateAndJoinsCarryDisplayNamesAndLeavesDoNot() throws {
        let harness = Harness()
        _ = try harness.manager.register(at: "/zorg", principal: "alice", meta: ["name": "Alice Liddell"])
        let watcher = try harness.register("watcher", presence: .list)
        harness.advance(to: .milliseconds(100))
        let bob = try harness.manager.register(at: "/zorg", principal: "bob", meta: ["name": "Bob", "team": "red"]).client.id
        try harness.register("carol")
        harness.advance(to: .milliseconds(200))
        harness.manager.close(bob)
        harness.advance(to: .milliseconds(300))
        let objects = try harness.events(watcher).objects
        #expect(
            objects == [
                [
                    "seq": 1, "verb": "presence", "location": "/zorg", "principals": ["alice", "watcher"], "count": 2, "anonymous": 0,
                    "names": ["alice": "Alice Liddell"],
                ],
                [
                    "seq": 2, "verb": "presence", "location": "/zorg", "joined": ["bob"], "left": [], "count": 3, "anonymous": 0,
                    "names": ["bob": "Bob"],
                ],
                ["seq": 3, "verb": "presence", "location": "/zorg", "joined": ["carol"], "left": [], "count": 4, "anonymous": 0],
                ["seq": 4, "verb": "presence", "location": "/zorg", "joined": [], "left": ["bob"], "count": 3, "anonymous": 0],
            ])
    }

    @Test func aNameThatCannotBeShownIsLeftOut() throws {
        let harness = Harness()
        _ = try harness.manager.register(at: "/zorg", principal: "alice", meta: ["name": "line\nbreak"])
        _ = try harness.manager.register(at: "/zorg", principal: "bob", meta: ["name": 42])
        let watcher = try harness.register("watcher", presence: .list)
        #expect(try harness.events(watcher).objects.first?["names"] == nil)
    }

    @Test func theObserverHearsEachPrincipalsFirstJoinAndLastLeaveHere() throws {
        let harness = Harness()
        let heard = Mutex<[PresenceChange]>([])
        harness.manager.observePresenceChanges { change in heard.withLock { $0.append(change) } }
        let first = try harness.manager.register(at: "/zorg", principal: "alice", meta: ["name": "Alice"]).client.id
        let second = try harness.register("alice")
        try harness.register(nil)
        harness.manager.close(first)
        harness.manager.close(second)
        #expect(
            heard.withLock { $0 } == [
                PresenceChange(location: "/zorg", principal: "alice", joined: true, displayName: "Alice"),
                PresenceChange(location: "/zorg", principal: "alice", joined: false, displayName: nil),
            ])
    }
}
