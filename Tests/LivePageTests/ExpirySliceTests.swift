import LivePageEvents
import Testing

@testable import LivePage

/// Expiry looks at every client once a second, a slice at a time, so that a server of
/// 100,000 clients never holds the manager's lock, or its event loop, for a whole pass.
@Suite(.timeLimit(.minutes(1)))
struct ExpirySliceTests {
    /// Forty thousand clients, every other one polling: the pass takes three slices, each
    /// on its own timer, and removes exactly the clients that never polled, though each
    /// removal moves the last client into the removed one's place.
    @Test func aPassOverMoreClientsThanASliceExpiresExactlyTheDueOnes() throws {
        let clock = CountingClock()
        var configuration = ClientManager.Configuration()
        configuration.firstPollTimeout = .seconds(5)
        configuration.maximumAnonymousClients = 50_000
        let manager = ClientManager(configuration: configuration, registry: EventRegistry(), clock: clock)
        let count = 40_000
        try #require(count > 2 * ClientManager.expirySlice, "a pass of three slices or more")
        let ids = try (0..<count).map { _ in try manager.register(at: "/zorg", principal: nil, presence: .none).client.id }
        let polls = try ids.enumerated().filter { $0.offset.isMultiple(of: 2) }.map {
            try Poll(manager: manager, client: $0.element, after: 0, clock: clock.base)
        }
        #expect(polls.allSatisfy { $0.isParked })
        clock.base.advance(by: .milliseconds(4_900))
        #expect(manager.metrics.expirations == 0)
        let immediateBefore = clock.immediateCount
        clock.base.advance(by: .milliseconds(100))
        #expect(manager.metrics.expirations == count / 2)
        for (offset, id) in ids.enumerated() {
            #expect((manager.client(id) != nil) == offset.isMultiple(of: 2), "client \(offset)")
        }
        let slices = (count + ClientManager.expirySlice - 1) / ClientManager.expirySlice
        #expect(clock.immediateCount - immediateBefore == slices - 1, "each slice after the first in a timer of its own")
        #expect(polls.allSatisfy { $0.isParked }, "a parked client never expires")
    }
}
