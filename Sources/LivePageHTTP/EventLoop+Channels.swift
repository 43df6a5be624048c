import CLinuxSystem
import LivePageSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A socket that a client (``HTTPClient``) runs on an event loop beside the server's
/// connections: the loop hands it its epoll events, and closes it when the loop stops.
///
/// Touched on its loop's thread only.
protocol LoopChannel: AnyObject {
    /// The registration's generation: with the descriptor, it names the socket uniquely,
    /// so an event for a closed and reused descriptor never reaches the new owner.
    var generation: UInt32 { get }
    /// Reacts to an epoll event.
    func handle(events: UInt32)
}

extension EventLoop {
    /// The client socket with this descriptor and generation, or `nil` for a stale event.
    func channel(fd: Int32, generation: UInt32) -> (any LoopChannel)? {
        guard let channel = channels[fd], channel.generation == generation else { return nil }
        return channel
    }

    /// A generation for a new client socket, from the same counter as connections'.
    func makeGeneration() -> UInt32 {
        var generation = nextGeneration
        if generation == 0 { generation = 1 }
        nextGeneration = generation &+ 1
        return generation
    }

    /// Watches `fd` for `channel`, edge-triggered, for input, output and hang-ups.
    func register(_ channel: any LoopChannel, fd: Int32) throws(SystemCallError) {
        try System.epollControl(
            epoll, EPOLL_CTL_ADD, fd: fd, events: Self.connectionEvents,
            token: UInt64(channel.generation) << 32 | UInt64(UInt32(bitPattern: fd))
        )
        channels[fd] = channel
    }

    /// Forgets the client socket `fd` and closes it (its only close).
    func closeChannel(fd: Int32) {
        guard channels.removeValue(forKey: fd) != nil else { return }
        System.close(fd)
    }

    /// Runs `action` on this loop's thread at `deadline` or soon after.
    func schedule(at deadline: MonotonicTime, _ action: @escaping () -> Void) {
        channelTimers.push(deadline, action)
    }

    /// Runs the clients' due timers.
    func runChannelTimers() {
        while let action = channelTimers.popDue(at: now) { action() }
    }

    /// Tells every client on this loop that it stopped, so that they fail what they hold.
    func stopChannels() {
        hasStopped = true
        channelTimers.removeAll()
        let observers = stopObservers
        stopObservers = []
        for observer in observers { observer.reactorStopped() }
        for fd in Array(channels.keys) { closeChannel(fd: fd) }
    }
}
