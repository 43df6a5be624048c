import LivePageSystem
import LivePageTestSupport
import Testing

@testable import LivePageHTTP

@Suite("Connection timeouts: a pure state machine on a manual clock", .timeLimit(.minutes(1)))
struct ConnectionTimerTests {
    /// Header 10 s, body 20 s, idle 60 s, write 30 s, linger 2 s, in milliseconds.
    let durations = ConnectionTimer.Durations(
        header: 10_000_000_000, body: 20_000_000_000, idle: 60_000_000_000, write: 30_000_000_000, linger: 2_000_000_000
    )

    func ms(_ value: UInt64) -> MonotonicTime { MonotonicTime(milliseconds: value) }

    @Test(
        "The first request's headers are due 10 s after the accept, however many bytes trickle in",
        .timeLimit(.minutes(1)))
    func headerBudgetFromAccept() {
        var timer = ConnectionTimer(acceptedAt: ms(1_000))
        #expect(timer.deadline(durations) == ms(11_000))
        for time in stride(from: UInt64(1_500), to: 11_000, by: 500) {
            timer.bytesReceived(at: ms(time))
            #expect(timer.expiredTimeout(at: ms(time), durations) == nil)
        }
        #expect(timer.deadline(durations) == ms(11_000))
        #expect(timer.expiredTimeout(at: ms(10_999), durations) == nil)
        #expect(timer.expiredTimeout(at: ms(11_000), durations) == .header)
    }

    @Test("A parked request has no deadline at all", .timeLimit(.minutes(1)))
    func parkedHasNoDeadline() {
        var timer = ConnectionTimer(acceptedAt: ms(0))
        timer.requestDispatched()
        #expect(timer.deadline(durations) == nil)
        timer.bytesReceived(at: ms(5_000))
        #expect(timer.expiredTimeout(at: ms(86_400_000), durations) == nil)
    }

    @Test("Kept alive: idle for 60 s, then the next request's first byte starts a 10 s budget", .timeLimit(.minutes(1)))
    func idleThenNextRequest() {
        var timer = ConnectionTimer(acceptedAt: ms(0))
        timer.requestDispatched()
        timer.responseSent(at: ms(2_000), hasBufferedInput: false)
        #expect(timer.deadline(durations) == ms(62_000))
        #expect(timer.expiredTimeout(at: ms(61_999), durations) == nil)
        #expect(timer.expiredTimeout(at: ms(62_000), durations) == .idle)
        timer.bytesReceived(at: ms(30_000))
        #expect(timer.deadline(durations) == ms(40_000))
        timer.bytesReceived(at: ms(39_000))
        #expect(timer.expiredTimeout(at: ms(40_000), durations) == .header)
    }

    @Test(
        "Pipelined input already buffered starts the header budget when the response is sent", .timeLimit(.minutes(1)))
    func bufferedInputAfterResponse() {
        var timer = ConnectionTimer(acceptedAt: ms(0))
        timer.requestDispatched()
        timer.responseSent(at: ms(500), hasBufferedInput: true)
        #expect(timer.deadline(durations) == ms(10_500))
    }

    @Test("The body is due 20 s after its head", .timeLimit(.minutes(1)))
    func bodyBudget() {
        var timer = ConnectionTimer(acceptedAt: ms(0))
        timer.bodyStarted(at: ms(3_000))
        timer.bytesReceived(at: ms(20_000))
        #expect(timer.expiredTimeout(at: ms(22_999), durations) == nil)
        #expect(timer.expiredTimeout(at: ms(23_000), durations) == .body)
    }

    @Test("A blocked write times out 30 s after its last progress", .timeLimit(.minutes(1)))
    func writeStall() {
        var timer = ConnectionTimer(acceptedAt: ms(0))
        timer.requestDispatched()
        timer.writeProgressed(at: ms(1_000))
        #expect(timer.deadline(durations) == ms(31_000))
        timer.writeProgressed(at: ms(20_000))
        #expect(timer.expiredTimeout(at: ms(31_000), durations) == nil)
        #expect(timer.expiredTimeout(at: ms(50_000), durations) == .write)
    }

    @Test("Lingering after the last response ends after 2 s", .timeLimit(.minutes(1)))
    func linger() {
        var timer = ConnectionTimer(acceptedAt: ms(0))
        timer.lingerStarted(at: ms(100))
        #expect(timer.expiredTimeout(at: ms(2_100), durations) == .linger)
    }

    @Test("Durations come from the configuration in nanoseconds", .timeLimit(.minutes(1)))
    func durationsFromConfiguration() {
        let configuration = HTTPServerConfiguration(headerTimeout: .milliseconds(300), idleTimeout: .seconds(2))
        let durations = ConnectionTimer.Durations(configuration)
        #expect(durations.header == 300_000_000)
        #expect(durations.idle == 2_000_000_000)
        #expect(durations.body == 60_000_000_000)
    }

    @Test("The timer heap pops deadlines in order, only when due", .timeLimit(.minutes(1)))
    func heapOrder() {
        var heap = MinHeap<ConnectionDeadline>()
        var random = SplitMix64(seed: 7)
        let deadlines = (0..<500).map { _ in UInt64.random(in: 0..<10_000, using: &random) }
        for (index, deadline) in deadlines.enumerated() {
            heap.push(ConnectionDeadline(deadline: ms(deadline), fd: Int32(index), generation: 1))
        }
        #expect(heap.popFirst(if: { $0.deadline <= ms(0) }) == nil || deadlines.contains(0))
        var popped: [UInt64] = []
        while let entry = heap.popFirst(if: { $0.deadline <= ms(20_000) }) { popped.append(entry.deadline.nanoseconds / 1_000_000) }
        #expect(popped == popped.sorted())
        #expect(heap.count == 0)
    }
}
