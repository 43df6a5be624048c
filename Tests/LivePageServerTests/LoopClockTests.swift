import LivePageHTTP
import LivePageTestSupport
import Synchronization
import Testing

@testable import LivePageServer

/// The server's default clock runs its timers on the engine's event loop, and holds the
/// ones scheduled before the loops start (the manager is made before the engine).
@Suite(.timeLimit(.minutes(1)))
struct LoopClockTests {
    @Test("Timers scheduled before the loops start run in deadline order once the clock attaches; a cancelled one never")
    func heldTimersRunOnceAttached() async throws {
        let engine = HTTPServer(configuration: HTTPServerConfiguration(port: 0, eventLoopCount: 1)) { _ in HTTPResponse() }
        let clock = LoopClock()
        let fired = Mutex<[Int]>([])
        _ = clock.schedule(at: clock.now + .milliseconds(20)) { fired.withLock { $0.append(2) } }
        _ = clock.schedule(at: clock.now) { fired.withLock { $0.append(1) } }
        clock.schedule(at: clock.now) { fired.withLock { $0.append(0) } }.cancel()
        #expect(fired.withLock { $0 }.isEmpty, "no timer runs before a loop attaches")

        clock.attach(to: try engine.reactorForClients())
        #expect(await eventually { fired.withLock { $0 } == [1, 2] })

        // Scheduled once attached: straight to the loop.
        _ = clock.schedule(at: clock.now + .milliseconds(5)) { fired.withLock { $0.append(3) } }
        #expect(await eventually { fired.withLock { $0 } == [1, 2, 3] })
        await engine.shutDown(gracePeriod: .seconds(1))
    }
}
