import LivePageEvents

extension LoadGenerator {
    /// Handles one answer to a subscriber.
    /// - Returns: Whether the subscriber should send its next request at once.
    func handleSubscriberResponse(_ connection: BenchConnection, status: Int, body: UnsafeRawBufferPointer) -> Bool {
        connection.outstanding = false
        switch connection.state {
        case .registering:
            guard status == 201 || status == 200 else {
                count(status, in: &counters.subscriberStatuses)
                return retryOrGiveUp(connection, limit: 10)
            }
            guard let id = Self.clientID(in: body) else {
                counters.parseErrors += 1
                printError("registration answered \(status) without a \"client\" field")
                return retryOrGiveUp(connection, limit: 10)
            }
            connection.clientID = id
            connection.pollRequestStart = requests.pollRequestStart(clientID: id)
            connection.after = 0
            connection.lastSeq = 0
            counters.registered += 1
            return true
        case .probing:
            guard (200..<300).contains(status) else {
                count(status, in: &counters.subscriberStatuses)
                return retryOrGiveUp(connection, limit: 10)
            }
            connection.state = .idle
            if !connection.countedParked {
                connection.countedParked = true
                counters.parked += 1
            }
            return false
        default:
            break
        }
        counters.responses += 1
        if status == 200 {
            let now = System.now()
            let summary = OutputScanner.scan(body) { seq, stamp, firstOfEvent in
                ledger.record(connection, seq: seq, stamp: stamp, firstOfEvent: firstOfEvent, now: now)
            }
            if summary.events == 0 { counters.idleResponses += 1 }
            if summary.highestSeq > connection.after { connection.after = summary.highestSeq }
            return true
        }
        count(status, in: &counters.subscriberStatuses)
        if status == 410 {
            // Expired, evicted or closed: register afresh. What it missed counts as lost.
            connection.clientID = []
            connection.after = 0
            connection.lastSeq = 0
            counters.reregistered += 1
            return true
        }
        return retryOrGiveUp(connection, limit: 1000)
    }

    /// Handles one answer to an Nchan subscriber's long-poll.
    ///
    /// A `200` carries one message, or several in a `multipart/mixed` body; its
    /// `Last-Modified` and `Etag` are what the next poll sends back, so that it gets the
    /// messages after these. A `304` or `408` is a poll that ended without one: poll again.
    /// - Returns: Whether the subscriber should send its next poll at once.
    func handleNchanResponse(
        _ connection: BenchConnection, _ response: HTTPResponse, head: UnsafeRawBufferPointer,
        body: UnsafeRawBufferPointer
    ) -> Bool {
        connection.outstanding = false
        counters.responses += 1
        switch response.status {
        case 200:
            if let range = response.lastModified {
                // Copied into the connection's own buffers, which keep their capacity.
                connection.lastModified.removeAll(keepingCapacity: true)
                connection.lastModified.append(contentsOf: UnsafeRawBufferPointer(rebasing: head[range]))
                connection.etag.removeAll(keepingCapacity: true)
                if let etag = response.etag {
                    connection.etag.append(contentsOf: UnsafeRawBufferPointer(rebasing: head[etag]))
                }
            }
            let now = System.now()
            let summary = OutputScanner.scan(body) { _, stamp, _ in
                // No seqs in Nchan: only the message order is checked.
                ledger.record(connection, seq: nil, stamp: stamp, firstOfEvent: false, now: now)
            }
            if summary.stamps == 0 { counters.idleResponses += 1 }
            return true
        case 304, 408:
            counters.idleResponses += 1
            return true
        default:
            count(response.status, in: &counters.subscriberStatuses)
            return retryOrGiveUp(connection, limit: 1000)
        }
    }

    /// Handles one answer to a publisher: 2xx makes the message expected.
    func handlePublisherResponse(_ connection: BenchConnection, status: Int, body: UnsafeRawBufferPointer) {
        connection.outstanding = false
        let message = connection.publishing
        connection.publishing = -1
        guard message >= 0 else { return }
        let succeeded = (200..<300).contains(status)
        if !succeeded {
            count(status, in: &counters.publisherStatuses)
            if ledger.publishFailures < 5 {
                printError("publish answered \(status): \(String(decoding: body.prefix(200), as: UTF8.self))")
            }
        }
        ledger.settlePublish(message, succeeded: succeeded)
    }

    /// Opens the publisher connections before the measured phase, so that the first
    /// publish does not pay for a connect.
    func openPublishers() {
        for connection in connections[options.clients...] where connection.fd < 0 {
            _ = open(connection)
        }
    }

    /// When fanout message `index` is due.
    func fanoutDue(_ index: Int) -> UInt64 {
        runStart + UInt64(Double(index) * 1e9 / options.rate)
    }

    /// Publishes what the scenario allows now: fanout messages on schedule, or
    /// throughput messages while the window has room.
    func kickPublishers(now: UInt64) {
        guard phase == .run else { return }
        switch options.scenario {
        case .fanout:
            while nextFanoutMessage < options.messages {
                let due = fanoutDue(nextFanoutMessage)
                guard now >= due, let publisher = idlePublisher() else { break }
                if now > due + 100_000_000 { counters.publishesLate += 1 }
                publish(on: publisher)
                nextFanoutMessage += 1
            }
        case .throughput:
            while now < publishEnd, ledger.inFlight < options.window, ledger.count < options.maxMessages,
                let publisher = idlePublisher()
            {
                publish(on: publisher)
            }
        case .hold, .idle:
            break
        }
    }

    private func idlePublisher() -> BenchConnection? {
        for connection in connections[options.clients...] where !connection.outstanding { return connection }
        return nil
    }

    /// Stamps a message and sends its publish on `publisher`.
    private func publish(on publisher: BenchConnection) {
        let (message, stamp) = ledger.stampMessage()
        publisher.publishing = message
        publisher.outstanding = true
        requests.writePublish(stamp: stamp, into: &publisher.outbound)
        if publisher.fd < 0, !open(publisher) {
            ledger.settlePublish(message, succeeded: false)
            publisher.publishing = -1
            publisher.outstanding = false
            publisher.outbound.removeAll(keepingCapacity: true)
            return
        }
        if !flush(publisher) { lose(publisher, .broken) }
    }

    private func retryOrGiveUp(_ connection: BenchConnection, limit: Int) -> Bool {
        connection.failures += 1
        if connection.failures > limit {
            giveUp(connection)
        } else {
            retryLater(connection)
        }
        return false
    }

    private func count(_ status: Int, in table: inout [Int: UInt64]) {
        table[status, default: 0] += 1
    }

    /// The `client` field of a registration answer, parsed with the product's own JSON
    /// parser (registrations are few; output answers are scanned instead).
    private static func clientID(in body: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let value = try? JSONValue(parsing: body), let id = value.objectValue?["client"]?.stringValue,
            !id.isEmpty, id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "/") })
        else { return nil }
        return Array(id.utf8)
    }
}
