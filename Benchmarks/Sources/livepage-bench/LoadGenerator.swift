import CBenchSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The load: N subscriber connections and K publisher connections on one thread, with
/// non-blocking sockets and one epoll set; no thread per connection.
///
/// A run goes through these phases, each with a deadline so that it always ends:
/// connect (register and park every client), settle (until the server reports N parked
/// requests), run (the scenario), drain (wait for the last deliveries), done.
final class LoadGenerator {
    enum Phase: String {
        case connect, settle, run, drain, done
    }

    /// How the run ended, as RESULT's `end` names it.
    enum End: String {
        case completed
        case timeout
        case connectTimeout = "connect-timeout"
        case interrupted
    }

    static let retryDelay: UInt64 = 100_000_000
    static let second: UInt64 = 1_000_000_000

    let options: BenchOptions
    let port: Int
    let publishKey: String
    let destination: sockaddr_in
    let sampler: ProcessSampler
    let poller: Poller
    let parser = HTTPResponseParser()
    /// Where every read lands first; one buffer for all connections.
    let receiveBuffer = ByteBuffer(capacity: 256 * 1024)
    let requests: RequestMaker

    /// Subscribers in slots 0..<N, then publishers.
    var connections: [BenchConnection] = []
    var ledger: DeliveryLedger
    var counters = LoadCounters()
    var phase = Phase.connect
    var end = End.completed
    var sourceAddresses: [in_addr] = []
    var reconnectBudget: Int

    /// Connections waiting to retry, in due order (the delay is constant).
    var retrySlots: [Int] = []
    var retryTimes: [UInt64] = []
    var retryHead = 0

    var runStart: UInt64 = 0
    var publishEnd: UInt64 = 0
    var runDeadline: UInt64 = 0
    var nextFanoutMessage = 0

    /// Makes the generator for a server on `port`, sampled by `sampler`.
    init(options: BenchOptions, port: Int, publishKey: String, sampler: ProcessSampler) throws(BenchError) {
        guard let destination = ClientSocket.address(host: options.host, port: port) else {
            throw .usage("--host must be an IPv4 address, not '\(options.host)'")
        }
        self.options = options
        self.port = port
        self.publishKey = publishKey
        self.destination = destination
        self.sampler = sampler
        poller = try Poller()
        requests = RequestMaker(options: options, hostPort: "\(options.host):\(port)", publishKey: publishKey)
        ledger = DeliveryLedger(clients: options.clients, checksMessageOrder: options.publishers == 1)
        reconnectBudget = 20 * options.clients + 1000
        let publishers = options.scenario.publishes ? options.publishers : 0
        connections.reserveCapacity(options.clients + publishers)
        for index in 0..<options.clients {
            connections.append(BenchConnection(slot: index, role: .subscriber, number: index))
        }
        for index in 0..<publishers {
            connections.append(BenchConnection(slot: options.clients + index, role: .publisher, number: index))
        }
        for offset in 0..<options.sourceAddressCount {
            sourceAddresses.append(in_addr(s_addr: (UInt32(127) << 24 | UInt32(options.sourceBase + offset)).bigEndian))
        }
    }

    /// Runs every phase and measures.
    /// - Throws: `BenchError` if the server cannot be reached at all, or epoll fails.
    func run() throws(BenchError) -> RunMeasurements {
        var measurements = RunMeasurements()
        if let preflightPath {
            guard let health = BlockingHTTP.get(preflightPath, from: destination, host: requests.hostPort) else {
                let reason = System.describe(errno: System.errno)
                throw .fatal("cannot reach http://\(options.host):\(port)\(preflightPath): \(reason) (is the server running?)")
            }
            if health.status != 200 { print("livepage-bench: warning: GET \(preflightPath) answered \(health.status)") }
        }

        measurements.memoryBefore = sampler.memory()
        measurements.serverCPUStart = sampler.cpuSeconds().total
        measurements.ownCPUStart = System.ownCPUSeconds()
        let start = System.now()
        let connectDeadline = start + UInt64(options.connectTimeout * 1e9)
        var settleDeadline: UInt64 = 0
        var settleEnd: UInt64 = 0
        var settleReached = false
        var nextProbe: UInt64 = 0
        var nextProgress = start + 2 * Self.second
        var nextOpen = 0
        var lastWake: UInt64 = 0

        while phase != .done {
            let now = System.now()
            if cbench_stop_requested() != 0 {
                end = .interrupted
                phase = .done
                break
            }
            runDueRetries(now: now)

            switch phase {
            case .connect:
                while nextOpen < options.clients,
                    nextOpen - counters.parked - counters.gaveUp < options.connectConcurrency
                {
                    startSubscriber(connections[nextOpen])
                    nextOpen += 1
                }
                let everyone = counters.parked + counters.gaveUp >= options.clients
                if everyone || now > connectDeadline {
                    measurements.connectSeconds = Double(now - start) / 1e9
                    if everyone {
                        let seconds = Report.format(measurements.connectSeconds, 2)
                        print(
                            "parked: \(counters.parked)/\(options.clients) clients in \(seconds) s"
                                + (counters.gaveUp > 0 ? " (\(counters.gaveUp) gave up)" : ""))
                    } else {
                        print(
                            "parked: only \(counters.parked)/\(options.clients) clients after --connect-timeout "
                                + "\(options.connectTimeout) s; measuring with those")
                        end = .connectTimeout
                    }
                    phase = .settle
                    settleDeadline = now + UInt64(options.settleTimeout * 1e9)
                }
            case .settle:
                if !settleReached {
                    if now >= nextProbe {
                        let parked = serverParked()
                        measurements.serverParked = parked
                        nextProbe = System.now() + 200_000_000
                        if parked < 0 || parked >= counters.parked || now > settleDeadline {
                            settleReached = true
                            if parked >= 0 {
                                print("server reports \(parked) parked" + (parked < counters.parked ? " (settle timeout)" : ""))
                            }
                            settleEnd = System.now() + UInt64(options.settle * 1e9)
                        }
                    }
                } else if now >= settleEnd {
                    measurements.memoryParked = sampler.memory()
                    measurements.memoryMaximumKiB = measurements.memoryParked.rssKiB
                    (measurements.serverCPUParked, measurements.serverSystemParked) = sampler.cpuSeconds()
                    measurements.ownCPUParked = System.ownCPUSeconds()
                    openPublishers()
                    startRun()
                }
            case .run, .drain:
                advanceRun(now: now)
            case .done:
                break
            }
            if phase == .done { break }

            if (options.scenario == .hold || options.scenario == .idle), phase == .run, now >= nextProbe {
                let rss = sampler.memory().rssKiB
                measurements.memoryMaximumKiB = max(measurements.memoryMaximumKiB, rss)
                nextProbe = now + Self.second
            }
            if options.verbose, now >= nextProgress {
                reportProgress()
                nextProgress = now + 2 * Self.second
            }

            var wake = now + 50_000_000
            if retryHead < retryTimes.count { wake = min(wake, retryTimes[retryHead]) }
            if phase == .run, options.scenario == .fanout, nextFanoutMessage < options.messages {
                wake = min(wake, fanoutDue(nextFanoutMessage))
            }
            if phase == .settle, settleReached { wake = min(wake, settleEnd) }
            var timeout = wake > now ? Int32((wake - now + 999_999) / 1_000_000) : 0
            if phase == .connect, nextOpen < options.clients,
                nextOpen - counters.parked - counters.gaveUp < options.connectConcurrency
            {
                timeout = 0
            }
            let beforeWait = System.now()
            let ready = try poller.wait(milliseconds: timeout)
            let afterWait = System.now()
            if phase == .run || phase == .drain {
                if lastWake > 0 { counters.busyNanoseconds += beforeWait - lastWake }
                lastWake = afterWait
                if ready > 0 {
                    counters.wakeups += 1
                    counters.readyEvents += UInt64(ready)
                    counters.largestBatch = max(counters.largestBatch, ready)
                }
            }
            for index in 0..<ready {
                let (token, events) = poller.event(at: index)
                let slot = Int(UInt32(truncatingIfNeeded: token))
                guard slot < connections.count else { continue }
                let connection = connections[slot]
                guard connection.generation == UInt32(truncatingIfNeeded: token >> 32), connection.fd >= 0 else { continue }
                handle(events, on: connection)
            }
            if phase == .run { kickPublishers(now: afterWait) }
        }

        let finish = System.now()
        measurements.memoryEnd = sampler.memory()
        measurements.memoryMaximumKiB = max(measurements.memoryMaximumKiB, measurements.memoryEnd.rssKiB)
        (measurements.serverCPUEnd, measurements.serverSystemEnd) = sampler.cpuSeconds()
        measurements.ownCPUEnd = System.ownCPUSeconds()
        if runStart == 0 { runStart = finish }
        if measurements.connectSeconds == 0 { measurements.connectSeconds = Double(finish - start) / 1e9 }
        measurements.measureSeconds = Double(finish - runStart) / 1e9
        measurements.runStart = runStart
        measurements.finish = finish
        closeAll()
        return measurements
    }

    /// What the run asks first, to fail at once when nothing answers: the idle request,
    /// LivePage's health route, or Nchan's status (nil when there is none).
    private var preflightPath: String? {
        if options.scenario == .idle { return options.idleRequestPath }
        switch options.wireProtocol {
        case .livepage: return options.prefix + "/health"
        case .nchan: return options.statusPath.isEmpty ? nil : options.statusPath
        }
    }

    /// The server's parked-request count, from LivePage's metrics or the `subscribers:`
    /// line of Nchan's stub status; -1 if unknown.
    private func serverParked() -> Int {
        guard options.scenario.longPolls else { return -1 }
        let path: String
        let name: String
        switch options.wireProtocol {
        case .livepage:
            (path, name) = (options.prefix + "/metrics", options.parkedMetric)
        case .nchan:
            (path, name) = (options.statusPath, "subscribers:")
        }
        guard !path.isEmpty, !name.isEmpty,
            let answer = BlockingHTTP.get(path, from: destination, host: requests.hostPort), answer.status == 200,
            let value = BlockingHTTP.metric(name, in: String(decoding: answer.body, as: UTF8.self))
        else { return -1 }
        return Int(value)
    }

    /// Starts the measured phase and fixes its deadlines.
    private func startRun() {
        phase = .run
        runStart = System.now()
        switch options.scenario {
        case .fanout:
            publishEnd = runStart + UInt64(Double(options.messages - 1) * 1e9 / options.rate)
            runDeadline = publishEnd + UInt64(options.timeout * 1e9)
        case .throughput:
            publishEnd = runStart + UInt64(options.duration * 1e9)
            runDeadline = publishEnd + UInt64(options.timeout * 1e9)
        case .hold, .idle:
            publishEnd = runStart + UInt64(options.duration * 1e9)
            runDeadline = publishEnd
        }
        if options.verbose { printError("run phase starts") }
    }

    /// Publishes what is due, and ends the run when everything arrived or time is up.
    private func advanceRun(now: UInt64) {
        kickPublishers(now: now)
        if options.scenario == .hold || options.scenario == .idle {
            if now >= runDeadline { phase = .done }
            return
        }
        let publishingDone =
            options.scenario == .fanout
            ? nextFanoutMessage >= options.messages
            : now >= publishEnd || ledger.count >= options.maxMessages
        let publishOutstanding = connections[options.clients...].contains { $0.outstanding }
        if publishingDone, !publishOutstanding {
            phase = ledger.inFlight <= 0 ? .done : .drain
        }
        if phase != .done, now >= runDeadline {
            end = .timeout
            phase = .done
        }
    }

    private func reportProgress() {
        printError(
            "\(phase.rawValue): parked=\(counters.parked) registered=\(counters.registered) published=\(ledger.count) "
                + "delivered=\(ledger.delivered) inflight=\(ledger.inFlight) dup=\(ledger.duplicated) "
                + "errors(connect=\(counters.connectErrors) closed=\(counters.closed))")
    }

    private func closeAll() {
        for connection in connections where connection.fd >= 0 { close(connection) }
    }
}

/// A line on stderr, prefixed with the program's name.
func printError(_ message: String) {
    var line = "livepage-bench: " + message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
