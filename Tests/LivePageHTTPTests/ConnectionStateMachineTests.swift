import LivePageSystem
import Testing

@testable import LivePageHTTP

/// A stand-in for `HTTPResponder`: the machine only compares responders by identity.
final class StubResponder {}

typealias Machine = ConnectionStateMachine<StubResponder>

/// Each test feeds events to a machine and checks the actions it returns. (Mutating calls
/// cannot sit inside `#expect`, so each action is taken into a constant first.)
@Suite("A connection's life: a pure state machine, fed events without a socket", .timeLimit(.minutes(1)))
struct ConnectionStateMachineTests {
    /// Header 10 s, body 20 s, idle 60 s, write 30 s, linger 2 s.
    let durations = ConnectionTimer.Durations(
        header: 10_000_000_000, body: 20_000_000_000, idle: 60_000_000_000, write: 30_000_000_000, linger: 2_000_000_000
    )

    func ms(_ value: UInt64) -> MonotonicTime { MonotonicTime(milliseconds: value) }

    func head(
        _ method: HTTPMethod = .get, version: HTTPVersion = .http1_1, framing: DecodedHead.Framing = .none,
        keepAlive: Bool = true, expectsContinue: Bool = false
    ) -> DecodedHead {
        DecodedHead(
            head: HTTPRequestHead(method: method, target: "/", version: version), framing: framing,
            keepAlive: keepAlive, expectsContinue: expectsContinue)
    }

    /// A machine that has read a request at `time` and dispatched it to `responder`.
    func handling(_ head: DecodedHead, by responder: StubResponder, at time: UInt64 = 0) -> Machine {
        var machine = Machine(acceptedAt: ms(0))
        machine.socketBecameReadable()
        let read = machine.received(100, of: 65_536, at: ms(time))
        #expect(read == .parse)
        let next = machine.headReceived(head, .complete, inputIsExhausted: true, at: ms(time))
        #expect(next == .dispatch)
        machine.requestDispatched(head, to: responder)
        return machine
    }

    /// `machine` answered with `response` by the responder of its request.
    func answer(
        _ machine: inout Machine, by responder: StubResponder, _ response: HTTPResponse = HTTPResponse(),
        isShuttingDown: Bool = false
    ) -> HTTPResponseEncoder.Context? {
        machine.responseReady(from: responder, response, isShuttingDown: isShuttingDown)
    }

    @Test("Kept alive: a request, its response, then idle until the next one")
    func keepAliveCycle() throws {
        let responder = StubResponder()
        var machine = handling(head(), by: responder, at: 1_000)
        #expect(!machine.isIdle)
        #expect(machine.deadline(durations) == nil, "a handled request has no deadline")
        let context = try #require(answer(&machine, by: responder, HTTPResponse(body: "ok")))
        #expect(!context.closing && !context.isHead && !context.isHTTP10)
        #expect(machine.isSending)
        let written = machine.outputWritten(hasBufferedInput: false, at: ms(2_000))
        #expect(written == .resume)
        #expect(machine.isIdle)
        #expect(machine.deadline(durations) == ms(62_000))
        #expect(machine.nextInputStep == .wait, "a short read emptied the socket")
    }

    @Test("Input that arrives while a request is handled is buffered, up to the limit, then paused")
    func pipelinedInputIsBuffered() {
        var machine = handling(head(), by: StubResponder())
        #expect(machine.readPlan(scratch: 65_536, inputLimit: 16_384, pending: 0) == .read(upTo: 16_384))
        let read = machine.received(16_384, of: 16_384, at: ms(5))
        #expect(read == .buffer)
        #expect(machine.readPlan(scratch: 65_536, inputLimit: 16_384, pending: 16_384) == .pause)
        machine.peerHungUp()
        #expect(
            machine.readPlan(scratch: 65_536, inputLimit: 16_384, pending: 16_384) == .close,
            "a hang-up still ends a parked request whose input is full")
    }

    @Test("Pipelined input already buffered starts the next header budget when the response is sent")
    func bufferedInputAfterResponse() {
        let responder = StubResponder()
        var machine = handling(head(), by: responder)
        _ = answer(&machine, by: responder)
        let written = machine.outputWritten(hasBufferedInput: true, at: ms(500))
        #expect(written == .resume)
        #expect(machine.deadline(durations) == ms(10_500))
    }

    @Test("A response from a responder that is not the current one is dropped, as is a second answer")
    func staleResponderIsIgnored() {
        let responder = StubResponder()
        var machine = handling(head(), by: responder)
        let stranger = answer(&machine, by: StubResponder())
        #expect(stranger == nil)
        let first = answer(&machine, by: responder)
        #expect(first != nil)
        let second = answer(&machine, by: responder)
        #expect(second == nil)
    }

    @Test(
        "The connection closes after the response when the request, the response or shutdown says so",
        arguments: [
            (HTTPVersion.http1_0, false, false, false),
            (HTTPVersion.http1_1, false, false, false),
            (HTTPVersion.http1_1, true, true, false),
            (HTTPVersion.http1_1, true, false, true),
        ])
    func closing(version: HTTPVersion, keepAlive: Bool, responseAsksToClose: Bool, isShuttingDown: Bool) throws {
        let responder = StubResponder()
        var machine = handling(head(version: version, keepAlive: keepAlive), by: responder)
        let response = HTTPResponse(headers: responseAsksToClose ? ["Connection": "close"] : [:])
        let context = try #require(answer(&machine, by: responder, response, isShuttingDown: isShuttingDown))
        #expect(context.closing)
        let written = machine.outputWritten(hasBufferedInput: false, at: ms(10))
        #expect(written == .lingerIfInputWaiting, "nothing is known to be unread: peek before draining")
    }

    @Test("HTTP/1.0 with keep-alive stays open, and its response says so")
    func http10KeepAlive() throws {
        let responder = StubResponder()
        var machine = handling(head(version: .http1_0, keepAlive: true), by: responder)
        let context = try #require(answer(&machine, by: responder))
        #expect(context.isHTTP10 && !context.closing)
    }

    @Test("Closing with unread input drains it for the linger time; with the peer gone it closes at once")
    func lingering() {
        let responder = StubResponder()
        var machine = handling(head(keepAlive: false), by: responder)
        _ = answer(&machine, by: responder)
        let written = machine.outputWritten(hasBufferedInput: true, at: ms(100))
        #expect(written == .linger)
        #expect(machine.isLingering && machine.isWaitingForInput && !machine.isReadingRequest)
        #expect(machine.expiredTimeout(at: ms(2_100), durations) == .linger)
        let drained = machine.received(1_000, of: 65_536, at: ms(200))
        #expect(drained == .discard)
        let tooMuch = machine.received(Machine.lingerLimit, of: 65_536, at: ms(300))
        #expect(tooMuch == .close, "over 1 MiB drained")

        let other = StubResponder()
        var gone = handling(head(keepAlive: false), by: other)
        gone.peerHungUp()
        _ = answer(&gone, by: other)
        let goneWritten = gone.outputWritten(hasBufferedInput: true, at: ms(100))
        #expect(goneWritten == .close)
    }

    @Test("A refused request is answered once, nothing more is decoded, and the connection lingers")
    func refusedRequestLingers() {
        var machine = Machine(acceptedAt: ms(0))
        _ = machine.received(10, of: 65_536, at: ms(1))
        let context = machine.requestRefused()
        #expect(context.closing && !context.isHead)
        #expect(!machine.isReadingRequest)
        let later = machine.received(10, of: 65_536, at: ms(2))
        #expect(later == .buffer)
        let written = machine.outputWritten(hasBufferedInput: false, at: ms(3))
        #expect(written == .linger, "the refused request's unread rest may still be arriving")
    }

    @Test("A HEAD request with a body over the limit is refused without a body")
    func refusedHeadRequest() {
        var machine = Machine(acceptedAt: ms(0))
        let big = head(.head, framing: .length(10_000))
        let error = HTTPDecodingError(.payloadTooLarge, "too large")
        let next = machine.headReceived(big, .refused(error), inputIsExhausted: true, at: ms(1))
        #expect(next == .refuse(error))
        let context = machine.requestRefused(big)
        #expect(context.isHead)
    }

    @Test("A malformed request after a HEAD request gets its error body: nothing of the HEAD request is left")
    func refusalAfterHEADRequestHasABody() throws {
        let responder = StubResponder()
        var machine = handling(head(.head), by: responder)
        let answered = try #require(answer(&machine, by: responder))
        #expect(answered.isHead)
        _ = machine.outputWritten(hasBufferedInput: true, at: ms(1))
        let refused = machine.requestRefused()
        #expect(!refused.isHead)
    }

    @Test("A body is read within its budget; 100 Continue only when the client waits for it")
    func body() {
        var machine = Machine(acceptedAt: ms(0))
        let posted = head(.post, framing: .length(5), expectsContinue: true)
        let waiting = machine.headReceived(posted, .readBody, inputIsExhausted: true, at: ms(3_000))
        #expect(waiting == .readBody(sendContinue: true))
        #expect(machine.isReadingRequest && !machine.isIdle)
        #expect(machine.expiredTimeout(at: ms(22_999), durations) == nil)
        #expect(machine.expiredTimeout(at: ms(23_000), durations) == .body)

        var eager = Machine(acceptedAt: ms(0))
        let sent = eager.headReceived(posted, .readBody, inputIsExhausted: false, at: ms(0))
        #expect(sent == .readBody(sendContinue: false), "the body is on its way already")
        let continued = eager.outputWritten(hasBufferedInput: false, at: ms(1))
        #expect(continued == .none, "100 Continue is not the response")
        let completed = eager.bodyReceived()
        #expect(completed == posted)
        let again = eager.bodyReceived()
        #expect(again == nil)
    }

    @Test("The peer closing its side ends a handled request, but a response being sent is finished first")
    func endOfInput() {
        let responder = StubResponder()
        var parked = handling(head(), by: responder)
        let parkedEnd = parked.inputEnded()
        #expect(parkedEnd == .close)

        var answered = handling(head(), by: responder)
        _ = answer(&answered, by: responder)
        let answeredEnd = answered.inputEnded()
        #expect(answeredEnd == .finishSending)
        let written = answered.outputWritten(hasBufferedInput: false, at: ms(1))
        #expect(written == .close, "kept alive no more")

        var idle = Machine(acceptedAt: ms(0))
        idle.peerHungUp()
        #expect(idle.nextInputStep == .close)
    }

    @Test("A blocked response times out after the write timeout without progress")
    func writeTimeout() {
        let responder = StubResponder()
        var machine = handling(head(), by: responder)
        let early = machine.writeBlocked(progressed: false, at: ms(500))
        #expect(!early, "no response is being sent yet")
        _ = answer(&machine, by: responder)
        let first = machine.writeBlocked(progressed: false, at: ms(1_000))
        #expect(first, "the first block starts the clock")
        let stalled = machine.writeBlocked(progressed: false, at: ms(5_000))
        #expect(!stalled, "no progress: the clock runs on")
        #expect(machine.deadline(durations) == ms(31_000))
        let progressed = machine.writeBlocked(progressed: true, at: ms(20_000))
        #expect(progressed)
        #expect(machine.expiredTimeout(at: ms(31_000), durations) == nil)
        #expect(machine.expiredTimeout(at: ms(50_000), durations) == .write)
    }

    @Test("Closing hands back the responder to cancel only while its request is handled")
    func closedCancelsTheHandledRequest() {
        let responder = StubResponder()
        var machine = handling(head(), by: responder)
        let cancelled = machine.closed()
        #expect(cancelled === responder)
        #expect(machine.isClosed && !machine.isWaitingForInput)
        let again = machine.closed()
        #expect(again == nil)
        let late = answer(&machine, by: responder)
        #expect(late == nil)

        var idle = Machine(acceptedAt: ms(0))
        #expect(idle.isIdle)
        let nothing = idle.closed()
        #expect(nothing == nil)
    }

    @Test("Readiness: a full read leaves the socket readable, a short one or would-block empties it")
    func readiness() {
        var machine = Machine(acceptedAt: ms(0))
        machine.socketBecameReadable()
        _ = machine.received(65_536, of: 65_536, at: ms(1))
        #expect(machine.nextInputStep == .read)
        machine.socketDrained()
        #expect(machine.nextInputStep == .wait)
        machine.socketBecameReadable()
        machine.peerHungUp()
        _ = machine.received(10, of: 65_536, at: ms(2))
        #expect(machine.isReadable, "after a hang-up, read until the end of input")
    }
}
