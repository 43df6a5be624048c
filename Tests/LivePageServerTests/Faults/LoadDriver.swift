import Glibc
import LivePageEvents
import LivePageTestSupport

/// Runs many long-polling clients and one publisher against a server, all on one thread
/// with `poll(2)`, and checks what every client receives.
///
/// Each client polls with `after` set to the last seq it applied, applies an answer only
/// when it has arrived whole, and expects its seqs to go up by one with no gap and no
/// repeat. The publisher sends the plan's publishes one after another, waiting for each
/// answer, so the order in which events reach a client is known: at the end each client
/// must have applied exactly the events addressed to it, in publish order. The publisher
/// waits while any polling client is more than `window` events behind, so that the
/// clients meant to keep up never reach their queue limit.
///
/// Clients given a stop point (`stopsAfter`) stop polling once they have applied that
/// many events: they send one last poll (so the server has their `after`), read its
/// answer, close, and never poll again. The driver then predicts the publish at which the
/// server must evict each (the one that takes its queue over `maximumQueuedEvents`), and
/// checks it against the `delivered` count of every publish.
///
/// Not `Sendable`: create and run it on one thread (``BlockingThread/run(_:)``).
final class LoadDriver {
    /// What a client does.
    enum Phase {
        /// Polls on and on.
        case polling
        /// Has sent its last poll and waits for its answer.
        case stopping
        /// Has stopped; no longer polls.
        case stopped
        /// Has stopped and was evicted, as predicted.
        case evicted
        /// Got an answer it should not have (a violation); no longer polls.
        case failed
    }

    /// What happens to the poll in flight.
    private enum Fate {
        case normal, resetBeforeRequest, resetWhileParked, resetMidResponse
    }

    private final class Client {
        let id: String
        var connection: RawConnection?
        var phase = Phase.polling
        var fate = Fate.normal
        /// Counts polls, so a timer set for one is ignored by the next.
        var attempt = 0
        var waitingToReconnect = false
        var acked = 0
        var received: [Int] = []
        var expected: [Int] = []
        var stopsAfter: Int?
        /// Events addressed to it above its last `after`, once stopped.
        var queuedSinceStop = 0

        init(id: String) { self.id = id }
    }

    private struct Timer {
        enum Action { case reset, reconnect }
        let deadline: ContinuousClock.Instant
        let client: Int
        let attempt: Int
        let action: Action
    }

    private let port: Int
    private let prefix: String
    private let publishKey: String
    private let clients: [Client]
    private let resets: ResetPolicy
    private let window: Int
    private let maximumQueuedEvents: Int
    private let padding: String
    private var random: SplitMix64
    private var timers: [Timer] = []
    private var publisher: RawConnection?
    private var publishInFlight: PlannedPublish?
    /// The request of the publish in flight, to send again after a reset.
    private var publishRequest = ""
    private var publisherFate = Fate.normal
    private var planExhausted = false
    private var report = LoadReport()

    /// A driver for the clients `clientIDs` (already registered).
    /// - Parameters:
    ///   - port: The server's port.
    ///   - clientIDs: The registered clients, indexed as the plan's recipients are.
    ///   - stopsAfter: For some clients (by index), the number of events after which they
    ///     stop polling.
    ///   - resets: How often connections are reset.
    ///   - window: How far (in events) a polling client may fall behind the publisher.
    ///   - maximumQueuedEvents: The server's queue limit per client (default 1,024).
    ///   - eventPadding: Bytes of padding added to each event.
    ///   - seed: The seed of the random choices.
    init(
        port: Int, prefix: String = "/livepage", publishKey: String, clientIDs: [String], stopsAfter: [Int: Int] = [:],
        resets: ResetPolicy = .none, window: Int = 300, maximumQueuedEvents: Int = 1024, eventPadding: Int = 0, seed: UInt64
    ) {
        self.port = port
        self.prefix = prefix
        self.publishKey = publishKey
        self.clients = clientIDs.map(Client.init)
        for (index, count) in stopsAfter { clients[index].stopsAfter = count }
        self.resets = resets
        self.window = window
        self.maximumQueuedEvents = maximumQueuedEvents
        self.padding = eventPadding > 0 ? #","pad":""# + String(repeating: "p", count: eventPadding) + #"""# : ""
        self.random = SplitMix64(seed: seed)
    }

    /// Runs until the plan is done and every polling client has applied everything
    /// addressed to it, or until `timeout`.
    /// - Parameters:
    ///   - timeout: How long the run may take before it is reported as stuck.
    ///   - tick: Called about every 100 ms with the seconds since the start (to sample
    ///     the server's memory, say).
    ///   - nextPublish: The plan: the next publish, given the run's progress, or `nil`
    ///     when there is none left.
    /// - Returns: What the run saw; its `violations` are empty when every promise held.
    func run(
        timeout: Duration,
        tick: (Double) -> Void = { _ in },
        nextPublish: (LoadProgress) -> PlannedPublish?
    ) throws -> LoadReport {
        let start = ContinuousClock.now
        let deadline = start + timeout
        var nextTick = start
        for index in clients.indices { beginPoll(index, now: start) }
        var descriptors: [pollfd] = []
        var owners: [Int] = []
        while true {
            let now = ContinuousClock.now
            let elapsed = Self.seconds(now - start)
            if now >= nextTick {
                tick(elapsed)
                nextTick = now + .milliseconds(100)
            }
            if publishInFlight == nil, !planExhausted, isWithinWindow {
                let progress = LoadProgress(publishes: report.publishes, seconds: elapsed, evictions: report.evictions)
                if let publish = nextPublish(progress) {
                    try sendPublish(publish)
                } else {
                    planExhausted = true
                }
            }
            if planExhausted, publishInFlight == nil, isComplete { break }
            guard now < deadline else {
                report.violation("stuck after \(timeout): \(stuckClients)")
                break
            }

            descriptors.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
            if let publisher {
                descriptors.append(pollfd(fd: publisher.fd, events: publisher.pollEvents, revents: 0))
                owners.append(-1)
            }
            for (index, client) in clients.enumerated() {
                guard let connection = client.connection else { continue }
                descriptors.append(pollfd(fd: connection.fd, events: connection.pollEvents, revents: 0))
                owners.append(index)
            }
            let ready = try pollDescriptors(&descriptors, timeoutMilliseconds: timers.isEmpty ? 50 : 5)
            if ready > 0 {
                for (slot, descriptor) in descriptors.enumerated() where descriptor.revents != 0 {
                    if owners[slot] < 0 {
                        try handlePublisher(descriptor.revents)
                    } else {
                        handle(owners[slot], events: descriptor.revents, now: ContinuousClock.now)
                    }
                }
            }
            runTimers(now: ContinuousClock.now)
        }
        for client in clients { client.connection?.close() }
        publisher?.close()
        report.duration = ContinuousClock.now - start
        for (index, client) in clients.enumerated() where client.phase == .polling && client.received != client.expected {
            report.violation(
                "client \(index) applied \(client.received.count) events, not the \(client.expected.count) addressed to it"
                    + Self.firstDifference(client.received, client.expected))
        }
        for (index, client) in clients.enumerated() where client.phase == .stopped {
            report.violation("client \(index) stopped polling but was not evicted (\(client.queuedSinceStop) events queued since)")
        }
        return report
    }

    /// The phase each client ended in.
    var phases: [Phase] { clients.map(\.phase) }

    /// The last seq each client applied.
    var lastSeqs: [Int] { clients.map(\.acked) }

    // MARK: Clients

    private func beginPoll(_ index: Int, now: ContinuousClock.Instant) {
        let client = clients[index]
        client.attempt += 1
        if client.connection == nil {
            let smallBuffer = Double.random(in: 0..<1, using: &random) < resets.smallReceiveBuffer
            do {
                client.connection = try RawConnection(port: port, receiveBuffer: smallBuffer ? 2048 : nil)
                report.connections += 1
            } catch {
                report.violation("client \(index) cannot connect: \(error)")
                scheduleReconnect(index, now: now)
                return
            }
        }
        client.fate = client.phase == .polling ? drawFate() : .normal
        if client.fate == .resetBeforeRequest {
            if client.connection?.isConnected == true { resetConnection(index, now: now) }
            return  // otherwise reset once connected, in handle(_:events:now:)
        }
        report.polls += 1
        do {
            try client.connection?.send(
                "GET \(prefix)/clients/\(client.id)/output?after=\(client.acked) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        } catch {
            dropConnection(index, now: now, closedByServer: true)
            return
        }
        if client.fate == .resetWhileParked {
            let delay = Int.random(in: 0...resets.parkedDelayMilliseconds, using: &random)
            timers.append(Timer(deadline: now + .milliseconds(delay), client: index, attempt: client.attempt, action: .reset))
        }
    }

    private func drawFate() -> Fate {
        var draw = Double.random(in: 0..<1, using: &random)
        if draw < resets.beforeRequest { return .resetBeforeRequest }
        draw -= resets.beforeRequest
        if draw < resets.whileParked { return .resetWhileParked }
        draw -= resets.whileParked
        if draw < resets.midResponse { return .resetMidResponse }
        return .normal
    }

    private func handle(_ index: Int, events: Int16, now: ContinuousClock.Instant) {
        let client = clients[index]
        guard let connection = client.connection else { return }
        if !connection.isConnected {
            do {
                try connection.finishConnecting()
            } catch {
                dropConnection(index, now: now, closedByServer: false)
                return
            }
            if client.fate == .resetBeforeRequest {
                resetConnection(index, now: now)
                return
            }
        }
        if events & Int16(POLLOUT) != 0 {
            do { try connection.flush() } catch {
                dropConnection(index, now: now, closedByServer: true)
                return
            }
        }
        guard events & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 else { return }
        if client.fate == .resetMidResponse {
            let received = connection.receive(atMost: Int.random(in: 1...400, using: &random))
            if received == .closed {
                dropConnection(index, now: now, closedByServer: true)
            } else if case .bytes = received {
                resetConnection(index, now: now)
            }
            return
        }
        var closed = false
        while true {
            let received = connection.receive()
            if received == .closed { closed = true }
            guard case .bytes = received else { break }
        }
        do {
            while client.connection === connection, let response = try connection.nextResponse() {
                handle(response, of: index, now: now)
            }
        } catch {
            report.violation("client \(index): \(error)")
            dropConnection(index, now: now, closedByServer: false)
            return
        }
        if closed, client.connection === connection { dropConnection(index, now: now, closedByServer: true) }
    }

    private func handle(_ response: TestHTTPResponse, of index: Int, now: ContinuousClock.Instant) {
        let client = clients[index]
        switch response.status {
        case 200:
            if client.phase == .stopping {
                // The last poll: the server has its `after`; what it answers is not applied.
                client.phase = .stopped
                client.queuedSinceStop = client.expected.count - client.acked
                client.connection?.close()
                client.connection = nil
                return
            }
            apply(response, of: index)
            if let stop = client.stopsAfter, client.received.count >= stop, client.phase == .polling {
                client.phase = .stopping
            }
            beginPoll(index, now: now)
        case 409:
            report.conflicts += 1
            beginPoll(index, now: now)
        default:
            report.violation("client \(index) got \(response.status): \(response.text)")
            client.phase = .failed
            client.connection?.close()
            client.connection = nil
        }
    }

    private func apply(_ response: TestHTTPResponse, of index: Int) {
        let client = clients[index]
        guard let events = Self.scanEvents(response.body) else {
            report.violation("client \(index): not an answer of events {seq, verb n, n}: \(response.text.prefix(300))")
            return
        }
        // The scanner is fast enough for hundreds of thousands of events in a debug build;
        // the full JSON parser checks it on every 64th answer.
        if report.eventAnswers % 64 == 0,
            Self.parseEvents(response.body).map({ $0.map(\.seq) + $0.map(\.number) })
                != events.map(\.seq) + events.map(\.number)
        {
            report.violation("client \(index): the scanner and the JSON parser disagree on \(response.text.prefix(300))")
        }
        if events.isEmpty {
            report.idleAnswers += 1
            return
        }
        report.eventAnswers += 1
        for (seq, number) in events {
            guard seq == client.acked + 1 else {
                report.violation("client \(index): seq \(seq) after \(client.acked) (a gap or a repeat)")
                continue
            }
            client.acked = seq
            client.received.append(number)
            report.eventsApplied += 1
        }
    }

    private func resetConnection(_ index: Int, now: ContinuousClock.Instant) {
        let client = clients[index]
        switch client.fate {
        case .resetBeforeRequest: report.resetsBeforeRequest += 1
        case .resetWhileParked: report.resetsWhileParked += 1
        case .resetMidResponse: report.resetsMidResponse += 1
        case .normal: break
        }
        client.connection?.reset()
        client.connection = nil
        scheduleReconnect(index, now: now)
    }

    private func dropConnection(_ index: Int, now: ContinuousClock.Instant, closedByServer: Bool) {
        if closedByServer { report.serverCloses += 1 }
        clients[index].connection?.close()
        clients[index].connection = nil
        scheduleReconnect(index, now: now)
    }

    private func scheduleReconnect(_ index: Int, now: ContinuousClock.Instant) {
        let client = clients[index]
        guard client.phase == .polling || client.phase == .stopping else { return }
        client.waitingToReconnect = true
        let delay = Int.random(in: 0...resets.reconnectDelayMilliseconds, using: &random)
        timers.append(Timer(deadline: now + .milliseconds(delay), client: index, attempt: client.attempt, action: .reconnect))
    }

    private func runTimers(now: ContinuousClock.Instant) {
        guard !timers.isEmpty else { return }
        var due: [Timer] = []
        timers.removeAll { timer in
            guard timer.deadline <= now else { return false }
            due.append(timer)
            return true
        }
        for timer in due {
            let client = clients[timer.client]
            guard timer.attempt == client.attempt else { continue }
            switch timer.action {
            case .reset:
                if client.connection != nil, client.fate == .resetWhileParked { resetConnection(timer.client, now: now) }
            case .reconnect:
                if client.waitingToReconnect {
                    client.waitingToReconnect = false
                    beginPoll(timer.client, now: now)
                }
            }
        }
    }

    // MARK: Publisher

    private var isWithinWindow: Bool {
        for client in clients where client.phase == .polling || client.phase == .stopping {
            if client.expected.count - client.received.count > window { return false }
        }
        return true
    }

    private var isComplete: Bool {
        for client in clients {
            switch client.phase {
            case .polling: if client.received.count < client.expected.count { return false }
            case .stopping: return false
            case .stopped, .evicted, .failed: continue
            }
        }
        return true
    }

    private func sendPublish(_ publish: PlannedPublish) throws {
        var body = #"{"to":\#(publish.audience),"#
        if resets.publisher > 0 { body += #""id":"publish-\#(report.publishes)","# }
        body += #""events":["#
        for number in publish.events {
            if number != publish.events.lowerBound { body += "," }
            body += #"{"verb":"n","n":\#(number)\#(padding)}"#
        }
        body += "]}"
        publishRequest =
            "POST \(prefix)/publish HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(publishKey)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        publishInFlight = publish
        try transmitPublish()
    }

    /// Sends the publish in flight, on a new connection if need be, and draws its fate.
    private func transmitPublish() throws {
        if publisher == nil { publisher = try RawConnection(port: port) }
        let draw = Double.random(in: 0..<1, using: &random)
        publisherFate = draw < resets.publisher / 2 ? .resetWhileParked : draw < resets.publisher ? .resetMidResponse : .normal
        try publisher?.send(publishRequest)
        try resetPublisherIfDue(answerArriving: false)
    }

    /// Resets the publisher's connection when its fate says so now, and sends the publish
    /// again. `.resetWhileParked` here: once the request has gone; `.resetMidResponse`: when
    /// the answer starts to arrive.
    private func resetPublisherIfDue(answerArriving: Bool) throws {
        guard let publisher else { return }
        switch publisherFate {
        case .resetWhileParked where publisher.hasSentEverything, .resetMidResponse where answerArriving:
            publisher.reset()
            self.publisher = nil
            report.publisherResets += 1
            try transmitPublish()
        default:
            return
        }
    }

    private func handlePublisher(_ events: Int16) throws {
        guard let publisher, let publish = publishInFlight else { return }
        if !publisher.isConnected { try publisher.finishConnecting() }
        if events & Int16(POLLOUT) != 0 { try publisher.flush() }
        try resetPublisherIfDue(answerArriving: false)
        guard publisher === self.publisher else { return }
        var closed = false
        while true {
            let received = publisher.receive()
            if received == .closed { closed = true }
            guard case .bytes = received else { break }
        }
        if publisher.hasPartialResponse {
            try resetPublisherIfDue(answerArriving: true)
            guard publisher === self.publisher else { return }
        }
        guard let response = try publisher.nextResponse() else {
            if closed { throw TestHTTPClientError(.closed, "the server closed the publisher's connection") }
            return
        }
        publishInFlight = nil
        report.publishes += 1
        report.eventsPublished += publish.events.count
        guard response.status == 200, let delivered = (try? JSONValue(parsing: response.body))?.objectValue?["delivered"],
            case .number(let number) = delivered, let count = number.intValue
        else {
            report.violation("publish \(report.publishes): \(response.status) \(response.text)")
            return
        }
        report.pairsDelivered += count
        var expectedCount = 0
        for index in publish.recipients {
            let client = clients[index]
            switch client.phase {
            case .polling, .stopping:
                client.expected.append(contentsOf: publish.events)
                expectedCount += publish.events.count
            case .stopped:
                client.queuedSinceStop += publish.events.count
                if client.queuedSinceStop > maximumQueuedEvents {
                    client.phase = .evicted
                    report.evictions += 1
                } else {
                    expectedCount += publish.events.count
                }
            case .evicted, .failed:
                continue
            }
        }
        if count != expectedCount {
            report.violation("publish \(report.publishes) to \(publish.audience): delivered \(count), expected \(expectedCount)")
        }
        if response.closesConnection {
            publisher.close()
            self.publisher = nil
        }
    }

    // MARK: Reporting

    private var stuckClients: String {
        let stuck = clients.indices.filter {
            let client = clients[$0]
            return client.phase == .stopping || (client.phase == .polling && client.received.count < client.expected.count)
        }
        let sample = stuck.prefix(5).map {
            let client = clients[$0]
            let connection = client.connection.map { $0.isConnected ? "open" : "connecting" } ?? "none"
            return "#\($0) \(client.phase) applied \(client.received.count)/\(client.expected.count), connection \(connection)"
        }
        return "\(stuck.count) clients behind, such as \(sample); publisher \(publishInFlight == nil ? "idle" : "waiting for an answer")"
    }

    private static func firstDifference(_ received: [Int], _ expected: [Int]) -> String {
        guard let index = (0..<min(received.count, expected.count)).first(where: { received[$0] != expected[$0] }) else {
            return received.count > expected.count ? "; extra: \(received[expected.count...].prefix(5))" : ""
        }
        return "; first difference at \(index): \(received[index]), expected \(expected[index])"
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
