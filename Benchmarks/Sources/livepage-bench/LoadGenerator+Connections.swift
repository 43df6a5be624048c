import CBenchSystem

#if canImport(Glibc)
    import Glibc
#endif

extension LoadGenerator {
    /// Why a connection ended, as RESULT's `errors` count it.
    enum Loss {
        /// Reset, broken, or ended by the peer while a request was outstanding (`closed`).
        case broken
        /// Closed cleanly by the server: `Connection: close`, or end of stream while idle
        /// (`server_closed`).
        case serverClosed
        /// `connect` failed; already counted.
        case connectFailed
    }

    /// Opens the connection if needed and sends what the subscriber should have
    /// outstanding: its registration, its next poll, or (idle) its one request.
    func startSubscriber(_ connection: BenchConnection) {
        guard connection.state != .dead else { return }
        if connection.fd < 0 {
            guard open(connection) else {
                retryLater(connection)
                return
            }
        }
        sendNextRequest(connection)
    }

    /// Queues and flushes the subscriber's next request.
    func sendNextRequest(_ connection: BenchConnection) {
        if options.scenario == .idle {
            connection.state = .probing
            requests.writeIdleRequest(into: &connection.outbound)
        } else if options.wireProtocol == .livepage, connection.clientID.isEmpty {
            connection.state = .registering
            requests.writeRegistration(number: connection.number, into: &connection.outbound)
        } else {
            connection.state = .polling
            requests.writePoll(connection, into: &connection.outbound)
        }
        connection.outstanding = true
        if !flush(connection) { lose(connection, .broken) }
    }

    /// Opens a non-blocking connection from the next source address and watches it.
    /// - Returns: Whether it started; failures are counted.
    func open(_ connection: BenchConnection) -> Bool {
        // Publishers start 7 addresses on, away from the first subscribers'.
        let spread = connection.role == .subscriber ? connection.number : connection.number + 7
        let source: in_addr? = sourceAddresses.isEmpty ? nil : sourceAddresses[spread % sourceAddresses.count]
        do throws(ClientSocket.OpenFailure) {
            let (fd, connected) = try ClientSocket.open(to: destination, from: source)
            connection.fd = fd
            connection.connected = connected
            do {
                try poller.add(fd, token: connection.token)
            } catch {
                printError("\(error)")
                close(connection)
                counters.connectErrors += 1
                return false
            }
            return true
        } catch {
            switch error {
            case .addressUnavailable:
                counters.addressErrors += 1
            case .outOfDescriptors:
                counters.connectErrors += 1
                if counters.connectErrors < 5 { printError("out of file descriptors (RLIMIT_NOFILE); use fewer --clients") }
            case .failed(let call, let code):
                counters.connectErrors += 1
                if counters.connectErrors < 5 || options.verbose {
                    printError("\(call)(\(requests.hostPort)): \(System.describe(errno: code))")
                }
            }
        }
        return false
    }

    /// Closes the descriptor and forgets what was buffered; the connection may reopen.
    func close(_ connection: BenchConnection) {
        if connection.fd >= 0 {
            poller.remove(connection.fd)
            _ = Glibc.close(connection.fd)
        }
        connection.fd = -1
        connection.generation &+= 1
        connection.connected = false
        connection.partial = nil
        connection.outbound.removeAll(keepingCapacity: true)
        connection.outboundOffset = 0
        connection.closeAfterResponse = false
    }

    /// Writes what is queued, as far as the socket takes it.
    /// - Returns: false if the connection failed.
    func flush(_ connection: BenchConnection) -> Bool {
        guard connection.fd >= 0, connection.connected else { return true }
        while connection.outboundOffset < connection.outbound.count {
            let result = connection.outbound.withUnsafeBytes { bytes in
                ClientSocket.send(connection.fd, UnsafeRawBufferPointer(rebasing: bytes[connection.outboundOffset...]))
            }
            switch result {
            case .done(let sent): connection.outboundOffset += sent
            case .wouldBlock: return true
            case .failed: return false
            }
        }
        connection.outbound.removeAll(keepingCapacity: true)
        connection.outboundOffset = 0
        if connection.role == .subscriber, connection.state == .polling, !connection.countedParked {
            connection.countedParked = true
            counters.parked += 1
        }
        return true
    }

    /// Reacts to epoll's report for one connection.
    func handle(_ events: UInt32, on connection: BenchConnection) {
        let failed = events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
        if !connection.connected {
            guard events & EPOLLOUT.rawValue != 0 || failed else { return }
            let code = ClientSocket.pendingError(connection.fd)
            if code != 0 {
                counters.connectErrors += 1
                if counters.connectErrors < 5 || options.verbose {
                    printError("connect(\(requests.hostPort)): \(System.describe(errno: code))")
                }
                lose(connection, .connectFailed)
                return
            }
            connection.connected = true
        }
        if events & EPOLLOUT.rawValue != 0, !flush(connection) {
            lose(connection, .broken)
            return
        }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
            read(connection)
        }
    }

    /// Reads everything available, then handles each complete response.
    private func read(_ connection: BenchConnection) {
        let buffer = receiveBuffer
        buffer.count = 0
        if let partial = connection.partial { buffer.append(partial.bytes) }
        var atEnd = false
        var broken = false
        reading: while true {
            buffer.reserve(extra: 64 * 1024)
            let room = buffer.freeSpace
            switch ClientSocket.receive(connection.fd, into: room) {
            case .done(0):
                atEnd = true
                break reading
            case .done(let count):
                buffer.count += count
                // Less than asked for: the socket is drained; a later byte or the end of
                // the stream raises a new edge.
                if count < room.count { break reading }
            case .wouldBlock:
                break reading
            case .failed:
                atEnd = true
                broken = true
                break reading
            }
        }
        var offset = 0
        var sendNext = false
        parsing: while offset < buffer.count {
            let bytes = UnsafeRawBufferPointer(rebasing: buffer.bytes[offset...])
            switch parser.parse(bytes, atEnd: atEnd) {
            case .incomplete:
                break parsing
            case .malformed(let reason):
                counters.parseErrors += 1
                printError("malformed response on \(connection.role) connection \(connection.number): \(reason)")
                lose(connection, .broken)
                return
            case .complete(let response):
                offset += response.consumed
                if response.status < 200 { continue }
                let body: UnsafeRawBufferPointer
                switch response.body {
                case .inline(let range): body = UnsafeRawBufferPointer(rebasing: bytes[range])
                case .decoded: body = parser.decoded.bytes
                }
                if connection.role == .subscriber, options.wireProtocol == .nchan, connection.state == .polling {
                    sendNext = handleNchanResponse(connection, response, head: bytes, body: body)
                } else if connection.role == .subscriber {
                    sendNext = handleSubscriberResponse(connection, status: response.status, body: body)
                } else {
                    handlePublisherResponse(connection, status: response.status, body: body)
                }
                if response.closes {
                    connection.closeAfterResponse = true
                    break parsing
                }
            }
        }
        if offset < buffer.count, !connection.closeAfterResponse, !atEnd {
            let partial = connection.partial ?? ByteBuffer(capacity: buffer.count - offset)
            partial.count = 0
            partial.append(UnsafeRawBufferPointer(rebasing: buffer.bytes[offset...]))
            connection.partial = partial
        } else {
            connection.partial = nil
        }
        if connection.closeAfterResponse || atEnd {
            lose(connection, !broken && (connection.closeAfterResponse || !connection.outstanding) ? .serverClosed : .broken)
            return
        }
        if connection.role == .subscriber {
            if sendNext, connection.state != .dead, phase != .done { sendNextRequest(connection) }
        } else {
            kickPublishers(now: System.now())
        }
    }

    /// A connection ended: count it, settle a publish in flight, and reconnect a
    /// subscriber (at once after a clean keep-alive end, else after the retry delay)
    /// while the reconnect budget lasts.
    func lose(_ connection: BenchConnection, _ loss: Loss) {
        switch loss {
        case .broken: counters.closed += 1
        case .serverClosed: counters.serverClosed += 1
        case .connectFailed: break
        }
        let hadRequest = connection.outstanding
        close(connection)
        if connection.role == .publisher {
            if hadRequest, connection.publishing >= 0 { ledger.settlePublish(connection.publishing, succeeded: false) }
            connection.publishing = -1
            connection.outstanding = false
            return
        }
        guard connection.state != .dead, phase != .done else { return }
        reconnectBudget -= 1
        guard reconnectBudget >= 0 else {
            giveUp(connection)
            return
        }
        counters.reconnects += 1
        connection.outstanding = false
        if loss == .serverClosed, !hadRequest {
            startSubscriber(connection)
        } else {
            retryLater(connection)
        }
    }

    /// Marks a subscriber as given up: it no longer counts as one to wait for.
    func giveUp(_ connection: BenchConnection) {
        guard connection.state != .dead else { return }
        connection.state = .dead
        counters.gaveUp += 1
        if connection.fd >= 0 { close(connection) }
    }

    /// Schedules the connection's next attempt after the retry delay.
    func retryLater(_ connection: BenchConnection) {
        connection.state = .waiting
        guard !connection.queuedForRetry else { return }
        connection.queuedForRetry = true
        retrySlots.append(connection.slot)
        retryTimes.append(System.now() + Self.retryDelay)
    }

    /// Starts the attempts that are due.
    func runDueRetries(now: UInt64) {
        while retryHead < retryTimes.count, retryTimes[retryHead] <= now {
            let connection = connections[retrySlots[retryHead]]
            retryHead += 1
            connection.queuedForRetry = false
            guard connection.state == .waiting, phase != .done else { continue }
            if connection.fd >= 0, connection.connected, !connection.outstanding {
                sendNextRequest(connection)
            } else if connection.fd < 0 {
                startSubscriber(connection)
            }
        }
        if retryHead > 4096, retryHead * 2 > retryTimes.count {
            retrySlots.removeFirst(retryHead)
            retryTimes.removeFirst(retryHead)
            retryHead = 0
        }
    }
}
