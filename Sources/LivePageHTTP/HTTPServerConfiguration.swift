#if canImport(Glibc)
    import Glibc
#endif

/// Where the server listens, how many threads it runs, and its limits and timeouts.
///
/// Every property has a default that suits LivePage; set only what differs:
///
/// ```swift
/// var configuration = HTTPServerConfiguration()
/// configuration.port = 0  // pick a free port
/// configuration.defaultHeaders = ["X-Content-Type-Options": "nosniff"]
/// ```
public struct HTTPServerConfiguration: Sendable {
    /// The address to listen on: an IPv4 or IPv6 literal (`"127.0.0.1"`, `"::1"`, `"0.0.0.0"`,
    /// `"::"`; `"::"` accepts IPv4 too), or `"localhost"`. Default `"127.0.0.1"`.
    public var host: String
    /// The TCP port; 0 picks a free one, which `HTTPServer.start()` returns. Default 8080.
    public var port: Int
    /// The number of event-loop threads. Default: one per core.
    public var eventLoopCount: Int
    /// The listen backlog: connections the kernel queues before they are accepted (capped
    /// by `net.core.somaxconn`). Default 4,096.
    public var backlog: Int
    /// The size limits of a request; see `HTTPLimits`.
    public var limits: HTTPLimits
    /// How long a request's headers may take to arrive in full, counted from the accept (first
    /// request) or from the request's first byte (later requests). Not reset by each byte, so a
    /// client trickling bytes is closed too. Default 10 seconds.
    public var headerTimeout: Duration
    /// How long a request's body may take to arrive in full, counted from the end of its
    /// headers. Default 60 seconds.
    public var bodyTimeout: Duration
    /// How long a kept-alive connection may sit between requests. Default 60 seconds.
    public var idleTimeout: Duration
    /// How long a response may make no progress while being written (the client is not
    /// reading) before the connection is closed. Default 60 seconds.
    public var writeTimeout: Duration
    /// How long a loop pauses, instead of sleeping until the next request wakes it, while
    /// requests arrive microseconds apart and each only parks: the re-polls after a
    /// fan-out. It then takes everything that arrived at once, one wake-up for dozens of
    /// requests instead of one for each. A request answered at once waits at most one pause
    /// and ends the pausing; work handed over from another thread cuts a pause short.
    /// `.zero` turns it off. Default 250 µs.
    public var coalescingPause: Duration
    /// What starts a loop's pauses (``WakeUpCoalescer/Trigger``); internal, so that tests
    /// can start them at the first wake-up.
    var coalescingTrigger = WakeUpCoalescer.Trigger.standard
    /// Header fields added to every response the engine writes, its own error responses
    /// included, unless the response already has a field of that name. LivePage sets
    /// `X-Content-Type-Options: nosniff`. Default none.
    public var defaultHeaders: HTTPHeaders
    /// Where the engine writes its log lines: handler failures, system errors, accept pauses.
    /// Called from any thread. Default: standard error.
    public var log: @Sendable (String) -> Void

    /// The largest request body in bytes (`limits.maxBodySize`); default 1 MiB.
    public var maxBodySize: Int {
        get { limits.maxBodySize }
        set { limits.maxBodySize = newValue }
    }

    /// Creates a configuration; every parameter has the default documented on its property.
    /// - Parameters:
    ///   - host: The address to listen on (`"127.0.0.1"`).
    ///   - port: The TCP port, 0 for any free one (8080).
    ///   - eventLoopCount: Event-loop threads (one per core).
    ///   - backlog: The listen backlog (4,096).
    ///   - limits: Request size limits (`HTTPLimits()`).
    ///   - headerTimeout: Time to receive a request's headers (10 s).
    ///   - bodyTimeout: Time to receive a request's body (60 s).
    ///   - idleTimeout: Time a kept-alive connection may be idle (60 s).
    ///   - writeTimeout: Time a response may make no progress (60 s).
    ///   - coalescingPause: A loop's pause in a stream of parking requests (250 µs).
    ///   - defaultHeaders: Fields added to every response (none).
    ///   - log: The log sink (standard error).
    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        eventLoopCount: Int = HTTPServerConfiguration.coreCount,
        backlog: Int = 4096,
        limits: HTTPLimits = HTTPLimits(),
        headerTimeout: Duration = .seconds(10),
        bodyTimeout: Duration = .seconds(60),
        idleTimeout: Duration = .seconds(60),
        writeTimeout: Duration = .seconds(60),
        coalescingPause: Duration = .microseconds(250),
        defaultHeaders: HTTPHeaders = [:],
        log: @escaping @Sendable (String) -> Void = HTTPServerConfiguration.standardErrorLog
    ) {
        self.host = host
        self.port = port
        self.eventLoopCount = eventLoopCount
        self.backlog = backlog
        self.limits = limits
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.coalescingPause = coalescingPause
        self.defaultHeaders = defaultHeaders
        self.log = log
    }

    /// The number of processors online, at least 1.
    public static var coreCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Writes a line to standard error, prefixed with `livepage-http: `.
    public static let standardErrorLog: @Sendable (String) -> Void = { line in
        let bytes = Array("livepage-http: \(line)\n".utf8)
        bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
    }
}
