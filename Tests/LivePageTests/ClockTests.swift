import Synchronization
import Testing

@testable import LivePage

/// The two clocks: the manual one tests drive, and the system one the server runs on.
/// System-clock tests wait for real timers with a generous deadline and never assert on
/// how fast anything ran.
@Suite(.timeLimit(.minutes(1)))
struct ClockTests {
    /// What timers ran, in order, safe to record from any thread.
    final class Log: Sendable {
        private let entries = Mutex<[String]>([])
        func record(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    // MARK: ManualClock

    @Test func runsDueTimersInDeadlineOrderWithNowAtTheirDeadline() {
        let clock = ManualClock()
        let log = Log()
        for milliseconds in [30, 10, 20, 40] {
            _ = clock.schedule(at: .milliseconds(milliseconds)) { log.record("\(milliseconds) at \(clock.now)") }
        }
        clock.advance(by: .milliseconds(30))
        #expect(log.all == ["10 at 0.01 seconds", "20 at 0.02 seconds", "30 at 0.03 seconds"])
        #expect(clock.now == .milliseconds(30))
        #expect(clock.scheduledTimerCount == 1)
    }

    @Test func runsTimersScheduledByTimersWhenTheyFallDue() {
        let clock = ManualClock()
        let log = Log()
        @Sendable func tick(_ n: Int) {
            log.record("tick \(n) at \(clock.now)")
            _ = clock.schedule(at: clock.now + .seconds(1)) { tick(n + 1) }
        }
        _ = clock.schedule(at: .seconds(1)) { tick(1) }
        clock.advance(by: .milliseconds(3500))
        #expect(log.all == ["tick 1 at 1.0 seconds", "tick 2 at 2.0 seconds", "tick 3 at 3.0 seconds"])
        #expect(clock.now == .milliseconds(3500))
    }

    @Test func aCancelledTimerNeverRuns() {
        let clock = ManualClock()
        let log = Log()
        let handle = clock.schedule(at: .seconds(1)) { log.record("cancelled") }
        _ = clock.schedule(at: .seconds(2)) { log.record("kept") }
        handle.cancel()
        #expect(clock.scheduledTimerCount == 1)
        clock.advance(by: .seconds(5))
        #expect(log.all == ["kept"])
        handle.cancel()
    }

    @Test func aTimerInThePastRunsAtTheNextAdvance() {
        let clock = ManualClock(now: .seconds(10))
        let log = Log()
        _ = clock.schedule(at: .seconds(5)) { log.record("late at \(clock.now)") }
        #expect(log.all == [], "never from within schedule")
        clock.advance(by: .zero)
        #expect(log.all == ["late at 10.0 seconds"])
    }

    /// Many timers, half of them cancelled in a scattered order: the heap runs exactly
    /// the others, earliest first.
    @Test func runsExactlyTheUncancelledTimersInOrder() {
        let clock = ManualClock()
        let log = Log()
        var generator = SplitMix64(seed: 7)
        var handles: [(deadline: Int, handle: TimerHandle)] = []
        for index in 0..<2000 {
            let deadline = Int(generator.next() % 10_000)
            handles.append((deadline, clock.schedule(at: .milliseconds(deadline)) { log.record("\(deadline).\(index)") }))
        }
        var kept: [(Int, Int)] = []
        for (index, entry) in handles.enumerated() {
            if generator.next() % 2 == 0 { entry.handle.cancel() } else { kept.append((entry.deadline, index)) }
        }
        #expect(clock.scheduledTimerCount == kept.count)
        clock.advance(by: .seconds(10))
        #expect(log.all == kept.sorted { $0 < $1 }.map { "\($0.0).\($0.1)" })
        #expect(clock.scheduledTimerCount == 0)
    }

    // MARK: SystemClock

    @Test func theSystemClockRunsAScheduledTimer() async throws {
        let clock = SystemClock()
        let fired = Signal()
        let start = clock.now
        _ = clock.schedule(at: clock.now + .milliseconds(20)) { fired.fire("at \(clock.now >= start + .milliseconds(20))") }
        #expect(await fired.wait(upTo: .seconds(20)) == "at true", "ran, and not before its deadline")
    }

    @Test func theSystemClockNeverRunsACancelledTimer() async throws {
        let clock = SystemClock()
        let log = Log()
        let later = Signal()
        let cancelled = clock.schedule(at: clock.now + .milliseconds(10)) { log.record("cancelled") }
        cancelled.cancel()
        _ = clock.schedule(at: clock.now + .milliseconds(50)) { later.fire("later") }
        // Timers run in deadline order on one thread: once the later one ran, the
        // cancelled one would have run before it.
        #expect(await later.wait(upTo: .seconds(20)) == "later")
        #expect(log.all == [])
    }

    @Test func theSystemClockRunsTimersInDeadlineOrder() async throws {
        let clock = SystemClock()
        let log = Log()
        let done = Signal()
        let now = clock.now
        for milliseconds in [30, 10, 20] {
            _ = clock.schedule(at: now + .milliseconds(milliseconds)) { log.record("\(milliseconds)") }
        }
        _ = clock.schedule(at: now + .milliseconds(40)) { done.fire("done") }
        #expect(await done.wait(upTo: .seconds(20)) == "done")
        #expect(log.all == ["10", "20", "30"])
    }

    /// A timer earlier than every other one wakes the clock's thread from its long sleep.
    @Test func anEarlierTimerWakesTheSystemClock() async throws {
        let clock = SystemClock()
        let fired = Signal()
        let far = clock.schedule(at: clock.now + .seconds(3600)) { fired.fire("far") }
        _ = clock.schedule(at: clock.now + .milliseconds(10)) { fired.fire("near") }
        #expect(await fired.wait(upTo: .seconds(20)) == "near")
        far.cancel()
    }

    @Test func theSystemClockNeverGoesBack() {
        let clock = SystemClock()
        var last = clock.now
        for _ in 0..<10_000 {
            let now = clock.now
            #expect(now >= last)
            last = now
        }
    }

    /// A manager on the real clock answers an idle poll after its hold time.
    @Test func aManagerOnTheSystemClockAnswersIdle() async throws {
        var configuration = ClientManager.Configuration()
        configuration.refresh = .milliseconds(50)
        let manager = ClientManager(configuration: configuration, clock: SystemClock())
        let id = try manager.register(at: "/zorg", principal: nil).client.id
        let answered = Signal()
        let started = ContinuousClock.now
        let result = try manager.poll(id, after: 0) { answer in answered.fire(answer.summary) }
        guard case .parked = result else {
            Issue.record("the poll did not park")
            return
        }
        #expect(await answered.wait(upTo: .seconds(20)) == "idle")
        #expect(ContinuousClock.now - started >= .milliseconds(45))
    }
}

/// Something that happens once on another thread, to await with a deadline.
final class Signal: Sendable {
    private struct State {
        var value: String?
        var timedOut = false
        var waiter: CheckedContinuation<String?, Never>?
    }

    private let state = Mutex(State())

    /// Records `value` (the first one only) and wakes the waiter.
    func fire(_ value: String) {
        let waiter = state.withLock { state -> CheckedContinuation<String?, Never>? in
            guard state.value == nil else { return nil }
            state.value = value
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: value)
    }

    /// The value fired, waiting for it at most `deadline`; `nil` if it did not come.
    func wait(upTo deadline: Duration) async -> String? {
        let timeout = Task {
            try await Task.sleep(for: deadline)
            let waiter = state.withLock { state in
                state.timedOut = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
        defer { timeout.cancel() }
        return await withCheckedContinuation { continuation in
            let answer = state.withLock { state -> String?? in
                if let value = state.value { return .some(value) }
                if state.timedOut { return .some(nil) }
                state.waiter = continuation
                return .none
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }
}
