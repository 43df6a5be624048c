import LivePage
import LivePageEvents
import Testing

@testable import LivePageServer

/// The admin page's figures cost nothing while no admin page is open: the timer that sends
/// them runs only while the manager knows an admin client of this server.
@Suite(.timeLimit(.minutes(1)))
struct AdminDashboardTests {
    @Test func sendsFiguresOnlyWhileAnAdminPageIsOpen() throws {
        let clock = ManualClock()
        let manager = ClientManager(clock: clock)
        let dashboard = AdminDashboard(manager: manager, clock: clock, location: "/livepage/admin", nodeTag: 3)
        #expect(!dashboard.isRunning)
        clock.advance(by: .seconds(5))
        #expect(manager.metrics.eventsQueued == 0)

        // A page opens: its first figures are queued at once, then one a second.
        let first = try dashboard.register()
        #expect(dashboard.isRunning)
        #expect(manager.metrics.eventsQueued == 1)
        clock.advance(by: .seconds(1))
        #expect(manager.metrics.eventsQueued == 2)
        // A second page gets them too, from its registration on.
        let second = try dashboard.register()
        clock.advance(by: .seconds(1))
        #expect(manager.metrics.eventsQueued == 4)

        // Both close: the next tick finds nobody and stops; nothing more is sent.
        manager.close(first.client.id)
        manager.close(second.client.id)
        clock.advance(by: .seconds(1))
        #expect(!dashboard.isRunning)
        let queued = manager.metrics.eventsQueued
        clock.advance(by: .seconds(10))
        #expect(manager.metrics.eventsQueued == queued)

        // A page that opens later starts it again.
        _ = try dashboard.register()
        #expect(dashboard.isRunning)
        #expect(manager.metrics.eventsQueued == queued + 1)
    }

    @Test func aPageThatExpiresStopsItToo() throws {
        let clock = ManualClock()
        let manager = ClientManager(clock: clock)
        let dashboard = AdminDashboard(manager: manager, clock: clock, location: "/livepage/admin", nodeTag: nil)
        _ = try dashboard.register()
        // Never polled: it expires after the first-poll timeout (120 s).
        clock.advance(by: .seconds(125))
        #expect(!dashboard.isRunning)
    }
}
