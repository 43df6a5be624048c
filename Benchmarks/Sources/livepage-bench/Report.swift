import LivePageEvents

/// The end of a run: the human summary, then `RESULT {json}` on one line, whose fields
/// Benchmarks/README.md describes ("What it measures").
struct Report {
    let options: BenchOptions
    let generator: LoadGenerator
    let measurements: RunMeasurements
    /// The started server's exit status (nil: killed or none) and stop time.
    let serverStop: (started: Bool, exitStatus: Int32?, seconds: Double)
    /// The sampled pids.
    let serverPIDs: [Int32]

    /// Whether the run is clean: nothing lost, duplicated or out of order, nobody gave
    /// up, and every phase finished in time.
    var isClean: Bool {
        let ledger = generator.ledger
        return ledger.losses().lost == 0 && ledger.duplicated == 0 && ledger.outOfOrder == 0 && ledger.seqGaps == 0
            && generator.counters.gaveUp == 0 && generator.end == .completed
    }

    /// Prints the summary and the RESULT line on standard output.
    func print() {
        let ledger = generator.ledger
        let counters = generator.counters
        let losses = ledger.losses()
        let scenario = options.scenario
        let clients = options.clients
        let (perClient, pssPerClient) = measurements.perClientBytes(clients: clients)
        let latency = ledger.latency
        let span = deliverySpanSeconds
        let deliveriesPerSecond = Double(ledger.delivered) / span
        let measured = measurements.measureSeconds
        let ownCPU = measurements.ownCPUEnd - measurements.ownCPUParked

        func f(_ value: Double, _ digits: Int = 2) -> String { Self.format(value, digits) }
        var lines: [String] = []
        lines.append(
            "---- \(options.wireProtocol.rawValue) \(scenario.rawValue): \(clients) clients, \(generator.end.rawValue)")
        let registered = options.wireProtocol == .livepage ? ", \(counters.registered) registered" : ""
        lines.append("connect+park: \(f(measurements.connectSeconds)) s (\(counters.parked) parked\(registered))")
        if scenario.publishes {
            let publishing = Double(ledger.lastPublish &- ledger.firstPublish) / 1e9
            lines.append(
                "published: \(ledger.count) (ok \(ledger.published), failed \(ledger.publishFailures)) "
                    + "over \(f(publishing)) s")
            lines.append(
                "delivered: \(ledger.delivered) of \(losses.expected) (client,message) pairs; lost \(losses.lost) "
                    + "(\(losses.incompleteMessages) messages incomplete), duplicated \(ledger.duplicated), "
                    + "out of order \(ledger.outOfOrder), seq gaps \(ledger.seqGaps), foreign \(ledger.foreign)")
            lines.append(
                "deliveries/s: \(f(deliveriesPerSecond, 0)) over \(f(span)) s (first publish to last delivery)")
            lines.append(
                "latency ms: p50 \(f(latency.percentileMilliseconds(0.5)))  "
                    + "p90 \(f(latency.percentileMilliseconds(0.9)))  "
                    + "p99 \(f(latency.percentileMilliseconds(0.99)))  "
                    + "max \(f(latency.maximumMilliseconds))  (\(latency.count) samples)")
            let perResponse = counters.responses > 0 ? Double(ledger.delivered) / Double(counters.responses) : 0
            lines.append(
                "responses: \(counters.responses) (\(f(perResponse)) deliveries per response, "
                    + "\(counters.idleResponses) without events)")
        }
        if !serverPIDs.isEmpty {
            let unit = scenario == .idle ? "idle connection" : "parked client"
            lines.append(
                "server RSS kB: before \(measurements.memoryBefore.rssKiB), parked \(measurements.memoryParked.rssKiB), "
                    + "end \(measurements.memoryEnd.rssKiB), max \(measurements.memoryMaximumKiB); "
                    + "per \(unit) \(perClient) B (PSS \(pssPerClient) B)")
            let share = measured > 0 ? 100 * measurements.serverCPUMeasured / measured : 0
            lines.append(
                "server CPU s: connect phase \(f(measurements.serverCPUConnect)), "
                    + "measured phase \(f(measurements.serverCPUMeasured)) over \(f(measured)) s "
                    + "(\(f(share, 0))% of one core), of which kernel \(f(measurements.serverSystemMeasured))")
        }
        let wakeups = counters.wakeups
        let perWakeup = wakeups > 0 ? Double(counters.readyEvents) / Double(wakeups) : 0
        lines.append(
            "livepage-bench CPU s: measured phase \(f(ownCPU)) (\(f(measured > 0 ? 100 * ownCPU / measured : 0, 0))% "
                + "of one core); busy (not in epoll_wait) \(f(Double(counters.busyNanoseconds) / 1e9)) s; "
                + "\(f(perWakeup, 1)) ready events per wakeup, max \(counters.largestBatch)")
        lines.append(
            "errors: non-2xx \(counters.nonSuccessCount), connect \(counters.connectErrors), "
                + "addr \(counters.addressErrors), closed \(counters.closed), "
                + "server-closed \(counters.serverClosed), parse \(counters.parseErrors), "
                + "re-registered \(counters.reregistered), gave up \(counters.gaveUp)")
        if serverStop.started {
            let status = serverStop.exitStatus.map { "exit \($0)" } ?? "killed"
            lines.append("server stop: \(status) after \(f(serverStop.seconds)) s (SIGTERM)")
        }
        lines.append("RESULT " + String(decoding: result().jsonBytes(htmlSafe: false), as: UTF8.self))
        Swift.print(lines.joined(separator: "\n"))
    }

    /// First publish to last delivery, in seconds (the measured phase without publishes).
    var deliverySpanSeconds: Double {
        let ledger = generator.ledger
        let end = ledger.lastDelivery > measurements.runStart ? ledger.lastDelivery : measurements.finish
        let span =
            ledger.firstPublish > 0
            ? Double(end &- ledger.firstPublish) / 1e9 : Double(measurements.finish &- measurements.runStart) / 1e9
        return span > 0 ? span : 1e-9
    }

    /// The RESULT object.
    func result() -> JSONValue {
        let ledger = generator.ledger
        let counters = generator.counters
        let losses = ledger.losses()
        let latency = ledger.latency
        let (perClient, pssPerClient) = measurements.perClientBytes(clients: options.clients)
        func number(_ value: Double, _ digits: Int = 3) -> JSONValue {
            var scale = 1.0
            for _ in 0..<digits { scale *= 10 }
            return .number(JSONNumber((value * scale).rounded() / scale))
        }
        func statuses(_ table: [Int: UInt64]) -> JSONValue {
            var object = JSONObject()
            for (status, count) in table.sorted(by: { $0.key < $1.key }) {
                object[String(status)] = .number(JSONNumber(Int(count)))
            }
            return .object(object)
        }
        func int(_ value: some BinaryInteger) -> JSONValue { .number(JSONNumber(Int(value))) }
        let wakeups = counters.wakeups
        var object: JSONObject = [
            "tool": "livepage-bench", "proto": .string(options.wireProtocol.rawValue),
            "scenario": .string(options.scenario.rawValue), "clients": int(options.clients),
            "end": .string(generator.end.rawValue),
        ]
        object["messages"] = int(ledger.count)
        object["messages_ok"] = int(ledger.published)
        object["expected"] = int(losses.expected)
        object["delivered"] = int(ledger.delivered)
        object["lost"] = int(losses.lost)
        object["duplicated"] = int(ledger.duplicated)
        object["out_of_order"] = int(ledger.outOfOrder)
        object["seq_gaps"] = int(ledger.seqGaps)
        object["foreign"] = int(ledger.foreign)
        object["deliveries_per_s"] = number(Double(ledger.delivered) / deliverySpanSeconds, 1)
        object["span_s"] = number(deliverySpanSeconds)
        object["responses"] = int(counters.responses)
        object["idle_responses"] = int(counters.idleResponses)
        object["latency_ms"] = [
            "p50": number(latency.percentileMilliseconds(0.5)), "p90": number(latency.percentileMilliseconds(0.9)),
            "p99": number(latency.percentileMilliseconds(0.99)), "max": number(latency.maximumMilliseconds),
        ]
        object["connect_s"] = number(measurements.connectSeconds)
        object["parked"] = int(counters.parked)
        object["server_parked"] = int(measurements.serverParked)
        object["measure_s"] = number(measurements.measureSeconds)
        object["rss_before_kb"] = int(measurements.memoryBefore.rssKiB)
        object["rss_parked_kb"] = int(measurements.memoryParked.rssKiB)
        object["rss_end_kb"] = int(measurements.memoryEnd.rssKiB)
        object["rss_max_kb"] = int(measurements.memoryMaximumKiB)
        object["rss_per_client_bytes"] = int(perClient)
        object["pss_per_client_bytes"] = int(pssPerClient)
        object["server_cpu_s"] = number(measurements.serverCPUMeasured)
        object["server_cpu_connect_s"] = number(measurements.serverCPUConnect)
        object["server_cpu_sys_s"] = number(measurements.serverSystemMeasured)
        object["bench_cpu_s"] = number(measurements.ownCPUEnd - measurements.ownCPUParked)
        object["bench_cpu_connect_s"] = number(measurements.ownCPUParked - measurements.ownCPUStart)
        object["bench_busy_s"] = number(Double(counters.busyNanoseconds) / 1e9)
        object["bench_events_per_wakeup"] = number(wakeups > 0 ? Double(counters.readyEvents) / Double(wakeups) : 0, 2)
        object["bench_max_batch"] = int(counters.largestBatch)
        object["server_pids"] = .array(serverPIDs.map { int($0) })
        if serverStop.started {
            object["server_exit"] = serverStop.exitStatus.map { int($0) } ?? .null
            object["server_stop_s"] = number(serverStop.seconds)
        }
        object["errors"] = [
            "sub_status": statuses(counters.subscriberStatuses), "pub_status": statuses(counters.publisherStatuses),
            "connect": int(counters.connectErrors), "addr": int(counters.addressErrors), "closed": int(counters.closed),
            "server_closed": int(counters.serverClosed), "parse": int(counters.parseErrors),
            "reregistered": int(counters.reregistered), "gave_up": int(counters.gaveUp),
            "pub_late": int(counters.publishesLate),
        ]
        return .object(object)
    }

    /// `value` with `digits` decimals, without Foundation ("-1.00" for -1).
    static func format(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int(scaled / scale)
        let sign = value < 0 && scaled > 0 ? "-" : ""
        guard digits > 0 else { return sign + String(whole) }
        let fraction = String(Int(scaled - Double(whole) * scale))
        return sign + String(whole) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}
