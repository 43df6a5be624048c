import CLinuxSystem
import LivePageSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One event-loop thread: an epoll set holding the shared listening socket, this loop's
/// connections and an eventfd that other threads use to hand it work.
///
/// A loop runs before it listens (``HTTPServer/reactorForClients()``): the Redis client
/// and the client manager's clock run on it (``Reactor``, `EventLoop+Reactor.swift`) from
/// before the server binds its port; ``Message/listen(_:)`` adds the listening socket.
///
/// Everything a loop owns (its connections, timers, scratch buffer) is touched only on its
/// own thread, so none of it is locked. Other threads reach a loop only through `enqueue`,
/// which appends to a `Mutex`-protected inbox and writes the eventfd only when the loop is
/// asleep in `epoll_wait`, so a burst of ten thousand responses costs one wake-up.
///
/// `@unchecked Sendable`: the loop-thread state below the "Loop thread only" mark is never
/// touched from another thread (responders hop through the inbox); the rest is immutable, a
/// `Mutex` or an `Atomic`.
final class EventLoop: @unchecked Sendable {
    /// Work handed to the loop from other threads.
    enum Message {
        case respond(HTTPResponder, HTTPResponse)
        /// Work of a client running on this loop (``HTTPClient``).
        case run(@Sendable () -> Void)
        /// Accept connections on this listening socket, shared by every loop.
        case listen(Int32)
        case beginShutdown
        case stop
    }

    private struct Inbox {
        var messages: [Message] = []
        var sleeping = false
        var stopped = false
    }

    let index: Int
    let handler: any HTTPHandler
    let configuration: HTTPServerConfiguration
    let durations: ConnectionTimer.Durations
    let encoder: HTTPResponseEncoder
    /// The most unparsed input a connection may hold while its request is being handled.
    let inputLimit: Int
    let epoll: Int32
    private let wakeFD: Int32
    private let wakeToken: UInt64
    private let inbox = Mutex(Inbox())
    private let threadID = Atomic<UInt>(0)
    private let publishedMetrics = Mutex(HTTPServerMetrics())
    private let drained: CountdownSignal
    private let stopped: CountdownSignal

    // Loop thread only. The busy ones are `@exclusivity(unchecked)`: only this thread
    // touches them, never two accesses at once, and the runtime's check of each access cost
    // about 1 % of a fan-out's CPU (`swift_beginAccess` on every request and answer).
    /// The shared listening socket, once ``Message/listen(_:)`` has given it; -1 before.
    var listener: Int32 = -1
    /// The listening socket's epoll token (generation 0, which no connection has).
    var listenerToken = UInt64.max
    @exclusivity(unchecked) var connections: [Connection?] = []
    @exclusivity(unchecked) var timers = MinHeap<ConnectionDeadline>()
    /// Sockets of clients running on this loop (``HTTPClient``), by descriptor.
    var channels: [Int32: any LoopChannel] = [:]
    /// Timers of clients running on this loop.
    @exclusivity(unchecked) var channelTimers = LoopTimers()
    /// Clients to tell when the loop stops.
    var stopObservers: [any ReactorStopObserver] = []
    /// The loop stopped: clients fail new work at once.
    var hasStopped = false
    @exclusivity(unchecked) private var resumeQueue: [Connection] = []
    /// The resumes being run, swapped with `resumeQueue`, so that both keep their storage.
    @exclusivity(unchecked) private var resuming: [Connection] = []
    /// The messages being handled, swapped with the inbox's, so that both keep their
    /// storage: a fan-out handed over from another thread costs no array growth.
    @exclusivity(unchecked) private var inboxMessages: [Message] = []
    /// Connections with output to write with the next group.
    @exclusivity(unchecked) private var writeQueue: [Connection] = []
    /// The encoded responses of the write group being gathered, each connection's at the
    /// offsets it holds (``Connection/Output/grouped(start:end:)``): one buffer, kept from group to
    /// group, so that a response costs no buffer of its own. Emptied when the group is
    /// written; what a socket does not take is copied out first.
    @exclusivity(unchecked) var groupBuffer: [UInt8] = []
    /// The write queue is being written (a write that closes a connection may answer others
    /// meanwhile: they join the group being written).
    @exclusivity(unchecked) private var isWritingQueue = false
    var nextGeneration: UInt32 = 1
    var acceptPausedUntil: MonotonicTime?
    var lastPauseLog: MonotonicTime?
    private var isRunning = true
    /// Whether the loop sleeps in `epoll_wait` or pauses when it has nothing to do.
    private var coalescer: WakeUpCoalescer
    @exclusivity(unchecked) var openConnections = 0
    private(set) var isShuttingDown = false
    @exclusivity(unchecked) var metrics = HTTPServerMetrics()
    /// Responses by status code (index 0 for codes out of range) since the last publish.
    @exclusivity(unchecked) private var statusCounts = [Int](repeating: 0, count: 600)
    @exclusivity(unchecked) private var hasStatusCounts = false
    @exclusivity(unchecked) var dateCache = HTTPDateCache()
    @exclusivity(unchecked) var now = MonotonicTime.now()
    /// Where every connection of this loop reads; only leftovers are copied out.
    let scratch: UnsafeMutableRawBufferPointer

    static let acceptPause: UInt64 = 100_000_000
    static let connectionEvents = UInt32(EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue) | EPOLLET.rawValue

    init(
        index: Int,
        handler: any HTTPHandler,
        configuration: HTTPServerConfiguration,
        drained: CountdownSignal,
        stopped: CountdownSignal
    ) throws(SystemCallError) {
        self.index = index
        self.handler = handler
        self.configuration = configuration
        self.drained = drained
        self.stopped = stopped
        durations = ConnectionTimer.Durations(configuration)
        coalescer = WakeUpCoalescer(
            pause: configuration.coalescingPause.nanoseconds, trigger: configuration.coalescingTrigger)
        encoder = HTTPResponseEncoder(defaultHeaders: configuration.defaultHeaders, log: configuration.log)
        inputLimit = max(configuration.limits.maxHeaderSize, 4096)
        epoll = Int32(try System.blockingCall("epoll_create1") { Int(epoll_create1(Int32(EPOLL_CLOEXEC))) })
        do {
            wakeFD = Int32(try System.blockingCall("eventfd") { Int(eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))) })
        } catch {
            System.close(epoll)
            throw error
        }
        wakeToken = UInt64(UInt32(bitPattern: wakeFD))
        scratch = .allocate(byteCount: 64 * 1024, alignment: 16)
        try System.epollControl(epoll, EPOLL_CTL_ADD, fd: wakeFD, events: UInt32(EPOLLIN.rawValue), token: wakeToken)
    }

    deinit {
        System.close(epoll)
        System.close(wakeFD)
        scratch.deallocate()
    }

    // MARK: Any thread

    /// Whether the caller runs on this loop's thread.
    var isCurrentThread: Bool {
        threadID.load(ordering: .acquiring) == UInt(pthread_self())
    }

    /// Hands `message` to the loop, waking it if it sleeps. Dropped once the loop stopped.
    /// - Returns: Whether the loop took it (`false` once it stopped).
    @discardableResult
    func enqueue(_ message: Message) -> Bool {
        let (taken, wake) = inbox.withLock { inbox -> (Bool, Bool) in
            guard !inbox.stopped else { return (false, false) }
            inbox.messages.append(message)
            guard inbox.sleeping else { return (true, false) }
            inbox.sleeping = false
            return (true, true)
        }
        // The eventfd is closed only in deinit, and `self` is alive here.
        if wake { System.signal(eventFD: wakeFD) }
        return taken
    }

    /// Writes `response` for `responder`: at once on this thread, through the inbox otherwise.
    func deliver(_ response: HTTPResponse, for responder: HTTPResponder) {
        if isCurrentThread {
            deliverOnLoop(response, for: responder)
        } else {
            enqueue(.respond(responder, response))
        }
    }

    /// This loop's counters, as of the end of its last iteration.
    var metricsSnapshot: HTTPServerMetrics {
        publishedMetrics.withLock { $0 }
    }

    // MARK: Loop thread

    /// Runs the loop until a `.stop` message, then closes every connection it still holds.
    func run() {
        threadID.store(UInt(pthread_self()), ordering: .releasing)
        let capacity = 512
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        while isRunning {
            publishMetrics()
            let mayBlock = inbox.withLock { inbox -> Bool in
                guard inbox.messages.isEmpty, resumeQueue.isEmpty, writeQueue.isEmpty else { return false }
                inbox.sleeping = true
                return true
            }
            let (count, wait) = waitForEvents(events, capacity: Int32(capacity), mayBlock: mayBlock)
            let requestsBefore = metrics.requests
            for position in 0..<count {
                handle(events[position])
            }
            drainInbox()
            settle()
            runTimers()
            settle()
            coalescer.record(wait, requests: metrics.requests - requestsBefore, answered: hasStatusCounts)
        }
        for case let connection? in connections {
            close(connection)
        }
        let messages = inbox.withLock { inbox in
            inbox.stopped = true
            defer { inbox.messages = [] }
            return inbox.messages
        }
        // Clients fail what they hold, then the work handed to them too late.
        stopChannels()
        for case .run(let body) in messages { body() }
        publishMetrics()
        stopped.arrive(index)
    }

    /// Waits for events as ``coalescer`` says (see ``WakeUpCoalescer``), and sets ``now``.
    /// - Parameter mayBlock: Whether the loop has nothing queued, so that it may wait.
    /// - Returns: How many events `epoll_wait` put in `events`, and how the loop waited.
    private func waitForEvents(
        _ events: UnsafeMutablePointer<epoll_event>, capacity: Int32, mayBlock: Bool
    ) -> (count: Int, wait: WakeUpCoalescer.Wait) {
        var timeout: Int32 = 0
        var blockedSince: MonotonicTime?
        if mayBlock {
            let current = MonotonicTime.now()
            let untilDeadline = nextDeadline().map { $0 > current ? $0.nanoseconds - current.nanoseconds : 0 }
            if let pause = coalescer.pauseLength(untilDeadline: untilDeadline) {
                // A pause cut to nothing by a due timer is only a look at the sockets.
                if pause > 0 {
                    metrics.loopPauses += 1
                    // Published before the pause, which can be long in tests, not after it.
                    publishMetrics()
                    System.pause(nanoseconds: pause, unlessReadable: wakeFD)
                }
            } else {
                timeout = Self.waitTimeout(untilDeadline: untilDeadline)
                blockedSince = current
            }
        }
        let count: Int
        do {
            count = try System.epollWait(epoll, events, capacity: capacity, timeoutMilliseconds: timeout)
        } catch {
            configuration.log("event loop \(index): \(error)")
            count = 0
        }
        now = .now()
        let wait: WakeUpCoalescer.Wait
        if let blockedSince {
            wait = .blocked(nanoseconds: now.nanoseconds &- blockedSince.nanoseconds)
        } else {
            wait = mayBlock ? .paused : .polled
        }
        return (count, wait)
    }

    private func handle(_ event: epoll_event) {
        let token = event.data.u64
        if token == wakeToken {
            System.drain(eventFD: wakeFD)
        } else if token == listenerToken {
            acceptConnections()
        } else {
            let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: token))
            let generation = UInt32(truncatingIfNeeded: token >> 32)
            guard let connection = connection(fd: fd, generation: generation) else {
                channel(fd: fd, generation: generation)?.handle(events: event.events)
                return
            }
            connection.handle(events: event.events)
        }
    }

    /// The live connection with this descriptor and generation, or `nil` for a stale event.
    func connection(fd: Int32, generation: UInt32) -> Connection? {
        guard fd >= 0, Int(fd) < connections.count, let connection = connections[Int(fd)],
            connection.generation == generation
        else { return nil }
        return connection
    }

    private func drainInbox() {
        inbox.withLock { inbox in
            inbox.sleeping = false
            swap(&inboxMessages, &inbox.messages)
        }
        defer { inboxMessages.removeAll(keepingCapacity: true) }
        for message in inboxMessages {
            switch message {
            case .respond(let responder, let response):
                deliverOnLoop(response, for: responder)
            case .run(let body):
                body()
            case .listen(let fd):
                startListening(on: fd)
            case .beginShutdown:
                beginShutdown()
            case .stop:
                isRunning = false
            }
        }
    }

    private func deliverOnLoop(_ response: HTTPResponse, for responder: HTTPResponder) {
        guard let connection = connection(fd: responder.fd, generation: responder.generation) else { return }
        connection.send(response, for: responder)
    }

    /// Lets `connection` read and parse again once the current call stack has unwound, so no
    /// connection reads into the scratch buffer while another is parsing from it.
    func scheduleResume(_ connection: Connection) {
        resumeQueue.append(connection)
    }

    /// Has `connection`'s output written with others', at the latest when this iteration ends.
    ///
    /// Writing responses in groups, rather than each from inside its handler, lets a peer
    /// that reads many of this loop's connections (a proxy, a load generator) find a group
    /// ready at one wake-up instead of being woken per response. A group is written as soon
    /// as it is ``writeGroupSize`` strong, so a fan-out to ten thousand parked polls is on the
    /// wire while the rest are still being encoded.
    func scheduleWrite(_ connection: Connection) {
        writeQueue.append(connection)
        if writeQueue.count >= Self.writeGroupSize && !isWritingQueue { writeQueued() }
    }

    /// Responses written together: enough for a reader to take many per wake-up, few enough
    /// that the first of a large fan-out leaves within microseconds.
    static let writeGroupSize = 64

    /// The group buffer's size, and a body's, in bytes, beyond which a response gets a
    /// buffer of its own: 256 KiB, far above a group of fan-out answers (64 × a few hundred
    /// bytes). It keeps the buffer under 512 KiB and a bit of headers, well below the 4 GiB
    /// that ``Connection/Output/grouped(start:end:)``'s 32-bit offsets reach.
    static let groupBufferLimit = 256 << 10

    private func writeQueued() {
        isWritingQueue = true
        defer { isWritingQueue = false }
        var position = 0
        while position < writeQueue.count {
            let connection = writeQueue[position]
            connection.isAwaitingWrite = false
            if !connection.isClosed { connection.flush() }
            position += 1
        }
        writeQueue.removeAll(keepingCapacity: true)
        // Every grouped response was written or copied out: each is in the write queue.
        groupBuffer.removeAll(keepingCapacity: true)
    }

    /// Writes the queued output and lets answered connections go on, until neither is left.
    private func settle() {
        repeat {
            writeQueued()
            runResumes()
        } while !writeQueue.isEmpty
    }

    private func runResumes() {
        while !resumeQueue.isEmpty {
            swap(&resumeQueue, &resuming)
            for connection in resuming { connection.resume() }
            resuming.removeAll(keepingCapacity: true)
        }
    }

    /// Closes `connection`'s descriptor (its only close) and cancels its request, if any.
    func close(_ connection: Connection) {
        guard !connection.isClosed else { return }
        let responder = connection.releaseResources()
        connections[Int(connection.fd)] = nil
        System.close(connection.fd)
        openConnections -= 1
        metrics.connectionsOpen -= 1
        responder?.cancel()
        if isShuttingDown && openConnections == 0 { drained.arrive(index) }
    }

    private func beginShutdown() {
        guard !isShuttingDown else { return }
        isShuttingDown = true
        if acceptPausedUntil == nil {
            try? System.epollControl(epoll, EPOLL_CTL_DEL, fd: listener, events: 0, token: 0)
        }
        acceptPausedUntil = nil
        for case let connection? in connections where connection.isIdle {
            close(connection)
        }
        if openConnections == 0 { drained.arrive(index) }
    }

    /// Counts a response written, cheaply: a dictionary update per answer showed in
    /// fan-out profiles.
    func countResponse(status code: Int) {
        statusCounts[(100..<600).contains(code) ? code : 0] += 1
        hasStatusCounts = true
    }

    private func publishMetrics() {
        if hasStatusCounts {
            for (code, count) in statusCounts.enumerated() where count > 0 {
                metrics.responsesByStatus[code, default: 0] += count
                statusCounts[code] = 0
            }
            hasStatusCounts = false
        }
        guard metrics != HTTPServerMetrics() else { return }
        let delta = metrics
        metrics = HTTPServerMetrics()
        publishedMetrics.withLock { $0.add(delta) }
    }
}
