import Testing

@testable import LivePageHTTP

@Suite("Wake-up coalescing: when an idle loop pauses instead of sleeping in epoll_wait", .timeLimit(.minutes(1)))
struct WakeUpCoalescerTests {
    /// A 250 µs pause, the default.
    func coalescer() -> WakeUpCoalescer { WakeUpCoalescer(pause: 250_000) }

    /// A wake-up 20 µs after going to sleep, with one request, that wrote nothing: a re-poll
    /// that parked.
    func shortParkingWake(_ coalescer: inout WakeUpCoalescer) {
        coalescer.record(.blocked(nanoseconds: 20_000), requests: 1, answered: false)
    }

    @Test("Four short wake-ups in a row that only park start the pauses, each bounded by the next timer")
    func shortWakesStartPausing() {
        var coalescer = coalescer()
        for count in 1..<WakeUpCoalescer.Trigger.standard.streak {
            shortParkingWake(&coalescer)
            #expect(coalescer.state == .blocking(shortWakes: count))
            #expect(coalescer.pauseLength(untilDeadline: nil) == nil)
        }
        shortParkingWake(&coalescer)
        #expect(coalescer.state == .pausing)
        #expect(coalescer.pauseLength(untilDeadline: nil) == 250_000)
        #expect(coalescer.pauseLength(untilDeadline: 10_000_000) == 250_000)
        #expect(coalescer.pauseLength(untilDeadline: 40_000) == 40_000)
        #expect(coalescer.pauseLength(untilDeadline: 0) == 0)
    }

    @Test("A pause that finds requests goes on pausing; one that finds none goes back to sleeping")
    func pausingLastsWhileRequestsArrive() {
        var coalescer = coalescer()
        for _ in 0..<WakeUpCoalescer.Trigger.standard.streak { shortParkingWake(&coalescer) }
        for _ in 0..<100 {
            coalescer.record(.paused, requests: 30, answered: false)
            #expect(coalescer.state == .pausing)
        }
        // The loop had work queued and looked without waiting: nothing changes.
        coalescer.record(.polled, requests: 0, answered: false)
        #expect(coalescer.state == .pausing)
        coalescer.record(.paused, requests: 0, answered: false)
        #expect(coalescer.state == .blocking(shortWakes: 0))
        #expect(coalescer.pauseLength(untilDeadline: nil) == nil)
    }

    @Test("A response written ends the pauses at once: a client waiting for its answer is not held back")
    func aResponseEndsPausing() {
        var coalescer = coalescer()
        for _ in 0..<WakeUpCoalescer.Trigger.standard.streak { shortParkingWake(&coalescer) }
        coalescer.record(.paused, requests: 1, answered: true)
        #expect(coalescer.state == .blocking(shortWakes: 0))

        // Short wake-ups that answer (a client sending request after request) never pause.
        for _ in 0..<1_000 {
            coalescer.record(.blocked(nanoseconds: 20_000), requests: 1, answered: true)
            #expect(coalescer.pauseLength(untilDeadline: nil) == nil)
        }
    }

    @Test("A long sleep, a wake-up with no request (a timer, an accept), or an answer in between restarts the count")
    func theStreakMustBeUnbroken() {
        var coalescer = coalescer()
        let breaks: [(WakeUpCoalescer.Wait, Int, Bool)] = [
            (.blocked(nanoseconds: WakeUpCoalescer.Trigger.standard.shortWake), 1, false),
            (.blocked(nanoseconds: 5_000), 0, false),
            (.blocked(nanoseconds: 5_000), 1, true),
            (.polled, 3, true),
        ]
        for (wait, requests, answered) in breaks {
            for _ in 1..<WakeUpCoalescer.Trigger.standard.streak { shortParkingWake(&coalescer) }
            coalescer.record(wait, requests: requests, answered: answered)
            #expect(coalescer.state == .blocking(shortWakes: 0))
        }
        // Looking without waiting, between short wake-ups, neither counts nor breaks the streak.
        shortParkingWake(&coalescer)
        coalescer.record(.polled, requests: 2, answered: false)
        for _ in 1..<WakeUpCoalescer.Trigger.standard.streak { shortParkingWake(&coalescer) }
        #expect(coalescer.state == .pausing)
    }

    @Test("A pause of zero turns pausing off")
    func zeroPauseNeverPauses() {
        var coalescer = WakeUpCoalescer(pause: 0)
        for _ in 0..<100 { shortParkingWake(&coalescer) }
        #expect(coalescer.state == .blocking(shortWakes: 0))
        #expect(coalescer.pauseLength(untilDeadline: nil) == nil)
    }
}
