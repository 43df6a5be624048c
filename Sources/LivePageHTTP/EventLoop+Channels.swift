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

/// Timers of the clients on one loop: a min-heap of deadlines and actions. An action
/// checks for itself whether it still applies (its request may have been answered), so
/// nothing is ever removed early.
struct LoopTimers {
    private struct Entry {
        let deadline: MonotonicTime
        let order: UInt64
        let action: () -> Void
    }

    private var entries: [Entry] = []
    private var nextOrder: UInt64 = 0

    /// The earliest deadline.
    var first: MonotonicTime? { entries.first?.deadline }

    private static func earlier(_ a: Entry, _ b: Entry) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.order < b.order)
    }

    mutating func push(_ deadline: MonotonicTime, _ action: @escaping () -> Void) {
        entries.append(Entry(deadline: deadline, order: nextOrder, action: action))
        nextOrder &+= 1
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.earlier(entries[child], entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest action if it is due at `time`.
    mutating func popDue(at time: MonotonicTime) -> (() -> Void)? {
        guard let first = entries.first, first.deadline <= time else { return nil }
        let last = entries.removeLast()
        guard !entries.isEmpty else { return first.action }
        entries[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count, Self.earlier(entries[left], entries[smallest]) { smallest = left }
            if right < entries.count, Self.earlier(entries[right], entries[smallest]) { smallest = right }
            guard smallest != parent else { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return first.action
    }

    /// Drops every timer.
    mutating func removeAll() { entries = [] }
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
