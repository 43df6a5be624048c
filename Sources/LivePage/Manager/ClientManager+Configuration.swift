extension ClientManager {
    /// The manager's timings and limits. The defaults are PROTOCOL.md's.
    public struct Configuration: Sendable {
        /// The long-poll interval: a parked poll with nothing to send is answered idle after
        /// a hold time drawn between 0.9 and 1.0 times this. Default 25 s.
        public var refresh: Duration = .seconds(25)
        /// How long past `refresh` a client that stopped polling stays online. Default 10 s.
        public var grace: Duration = .seconds(10)
        /// How long a client that has never polled stays online after registering.
        /// Default 120 s.
        public var firstPollTimeout: Duration = .seconds(120)
        /// How long a client that stopped polling keeps its queue, counted from the end of
        /// its last poll, so that its page can come back (a phone that switched apps, a
        /// laptop that slept, a page in the back/forward cache) and catch up without
        /// reloading. It leaves who is online after refresh + grace all the same, and
        /// still counts toward every limit. At or below refresh + grace, a client is
        /// removed when it leaves, as before. Default 5 minutes.
        public var resumeWindow: Duration = .seconds(300)
        /// Clients one poll may ask for at once (the tabs of one browser sharing a poll).
        /// Default 32.
        public var maximumClientsPerPoll = 32
        /// How often expired clients are looked for. Default 1 s.
        public var expiryCheckInterval: Duration = .seconds(1)
        /// Unacknowledged events one client may have queued before it is evicted.
        /// Default 1,024.
        public var maximumQueuedEvents = 1024
        /// Bytes of unacknowledged JSON one client may have queued before it is evicted.
        /// Default 1 MiB.
        public var maximumQueuedBytes = 1 << 20
        /// Clients the server holds at most; registration beyond is refused (503).
        /// Default 100,000.
        public var maximumClients = 100_000
        /// Clients one principal may have open at once (429 beyond). Default 32.
        public var maximumClientsPerPrincipal = 32
        /// Anonymous clients the server holds at most (429 beyond), so that anonymous
        /// visitors, or plain GETs of a page that registers its client (an `<img>` on
        /// another site), cannot take every place. Default 20,000.
        public var maximumAnonymousClients = 20_000
        /// Distinct locations the server tracks at most (429 beyond). Default 10,000.
        public var maximumLocations = 10_000
        /// Events in one output answer at most. Default 256.
        public var maximumBatchEvents = 256
        /// Bytes of JSON in one output answer at most (one event is always sent, however
        /// large). Default 256 KiB.
        public var maximumBatchBytes = 256 << 10
        /// The shortest time between two presence events at one location; changes in
        /// between are sent together. Default 100 ms.
        public var presenceInterval: Duration = .milliseconds(100)
        /// Above this many principals at a location, `list` clients get counts only.
        /// Default 1,000.
        public var presenceListLimit = 1000
        /// How many ids of clients that went away are remembered, so that their polls
        /// are told why (`expired`, `closed`, `evicted`) rather than `unknown`.
        /// Default 100,000.
        public var rememberedGoneClients = 100_000

        /// The tag of this server among several sharing one site's clients, written into
        /// the first byte of every client id it issues so a load balancer can route each
        /// client home. `nil` (the default, one server) leaves ids wholly random.
        public var nodeTag: UInt8?

        /// The defaults.
        public init() {}
    }
}
