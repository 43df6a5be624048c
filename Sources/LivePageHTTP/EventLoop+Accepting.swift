import CLinuxSystem
import LivePageSystem

#if canImport(Glibc)
    import Glibc
#endif

extension EventLoop {
    /// Accepts connections on `fd`, the listening socket every loop shares, unless the
    /// loop is shutting down. A registration that fails is retried as a paused accept is.
    func startListening(on fd: Int32) {
        guard !isShuttingDown else { return }
        listener = fd
        listenerToken = UInt64(UInt32(bitPattern: fd))
        do { try listen() } catch { pauseAccepting(error) }
    }

    /// Registers the shared listening socket. `EPOLLEXCLUSIVE` wakes one loop per arrival
    /// instead of all of them.
    func listen() throws(SystemCallError) {
        try System.epollControl(
            epoll, EPOLL_CTL_ADD, fd: listener,
            events: UInt32(EPOLLIN.rawValue) | EPOLLEXCLUSIVE.rawValue, token: listenerToken
        )
    }

    /// Accepts up to a batch of connections, leaving the rest to the next wake-up so loops
    /// share them.
    func acceptConnections() {
        guard !isShuttingDown, acceptPausedUntil == nil else { return }
        for _ in 0..<32 {
            let accepted: (fd: Int32, address: SocketAddress)
            do {
                switch try System.accept(listener) {
                case .wouldBlock: return
                case .processed(let connection): accepted = connection
                }
            } catch {
                switch error.errno {
                case ECONNABORTED, EPROTO, EPERM, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP,
                    ENETUNREACH:
                    continue  // that connection failed; others may be waiting
                default:
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM, or worse: retrying now would spin.
                    pauseAccepting(error)
                    return
                }
            }
            register(fd: accepted.fd, address: accepted.address)
        }
    }

    private func register(fd: Int32, address: SocketAddress) {
        try? System.setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        var generation = nextGeneration
        if generation == 0 { generation = 1 }
        nextGeneration = generation &+ 1
        let connection = Connection(
            fd: fd, generation: generation, loop: self, remoteAddress: address.description, acceptedAt: now
        )
        if Int(fd) >= connections.count {
            connections.append(
                contentsOf: repeatElement(nil, count: max(Int(fd) + 1, connections.count * 2) - connections.count))
        }
        connections[Int(fd)] = connection
        do {
            try System.epollControl(
                epoll, EPOLL_CTL_ADD, fd: fd, events: Self.connectionEvents,
                token: UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd))
            )
        } catch {
            configuration.log("cannot watch a new connection: \(error)")
            connections[Int(fd)] = nil
            System.close(fd)
            return
        }
        openConnections += 1
        metrics.connectionsAccepted += 1
        metrics.connectionsOpen += 1
        connection.scheduleDeadline()
    }

    /// Stops accepting on this loop for `acceptPause`, then tries again (in `runTimers`).
    private func pauseAccepting(_ error: SystemCallError) {
        try? System.epollControl(epoll, EPOLL_CTL_DEL, fd: listener, events: 0, token: 0)
        acceptPausedUntil = now + Self.acceptPause
        metrics.acceptPauses += 1
        if lastPauseLog.map({ now.nanoseconds - $0.nanoseconds > 10_000_000_000 }) ?? true {
            lastPauseLog = now
            configuration.log("accepting paused for 100 ms and retried until it succeeds: \(error)")
        }
    }

    /// When the loop must next wake: its earliest timer or accept retry, `nil` if none.
    func nextDeadline() -> MonotonicTime? {
        var deadline = timers.first?.deadline
        if let next = channelTimers.first { deadline = min(deadline ?? next, next) }
        if let acceptPausedUntil { deadline = min(deadline ?? acceptPausedUntil, acceptPausedUntil) }
        return deadline
    }

    /// How long `epoll_wait` may sleep, in whole milliseconds rounded up, given the
    /// nanoseconds until ``nextDeadline()``: -1 (no limit) without one, at most a minute.
    static func waitTimeout(untilDeadline: UInt64?) -> Int32 {
        guard let untilDeadline else { return -1 }
        return Int32(min((untilDeadline + 999_999) / 1_000_000, 60_000))
    }

    /// Fires due connection timeouts and clients' timers, and resumes accepting after a pause.
    func runTimers() {
        runChannelTimers()
        if let until = acceptPausedUntil, until <= now {
            acceptPausedUntil = nil
            if !isShuttingDown {
                do { try listen() } catch { pauseAccepting(error) }
            }
        }
        while let entry = timers.popFirst(if: { $0.deadline <= now }) {
            guard let connection = connection(fd: entry.fd, generation: entry.generation),
                connection.scheduledDeadline == entry.deadline
            else { continue }
            connection.scheduledDeadline = nil
            if let timeout = connection.machine.expiredTimeout(at: now, durations) {
                if timeout != .linger { metrics.timeouts += 1 }
                close(connection)
            } else {
                connection.scheduleDeadline()
            }
        }
    }

    /// Arms the timer heap for `deadline` of the connection `fd`/`generation`.
    func pushTimer(_ deadline: MonotonicTime, fd: Int32, generation: UInt32) {
        timers.push(ConnectionDeadline(deadline: deadline, fd: fd, generation: generation))
    }
}
