/// Where Redis is and how patiently to talk to it; shared by `RedisConnection` and
/// `RedisSubscriber`.
///
/// ```swift
/// var configuration = try RedisConfiguration(address: "127.0.0.1:6379")
/// configuration.replyTimeout = .seconds(2)
/// let connection = try await RedisConnection.connect(configuration)
/// ```
public struct RedisConfiguration: Sendable, Equatable {
    /// The host: an IPv4 or IPv6 literal (parsed on the event loop), or a name (looked
    /// up with `getaddrinfo` in a task, off the loop, on every connection). Default
    /// `127.0.0.1`.
    public var host: String
    /// The TCP port. Default 6379.
    public var port: Int
    /// A password sent with `AUTH` on every connection, for a Redis with `requirepass`.
    /// Default none.
    public var password: String?
    /// How long a TCP connection and Redis's answer to the first `PING` may take. Default
    /// 5 s.
    public var connectTimeout: Duration
    /// How long a command may wait for its reply, counted from the call to `send`; the
    /// subscriber's health-check `PING` too. Default 5 s.
    public var replyTimeout: Duration
    /// The wait before the second attempt to reconnect (the first is immediate); each
    /// further wait doubles, up to `maximumReconnectDelay`, and is jittered down by up to
    /// half. Default 100 ms.
    public var initialReconnectDelay: Duration
    /// The longest wait between attempts to reconnect. Default 5 s.
    public var maximumReconnectDelay: Duration
    /// How long a subscriber's connection may stay silent before it sends a `PING` to
    /// check Redis still answers, so that a Redis that hangs (or a network that drops
    /// packets) is noticed within this interval plus `replyTimeout`. Default 5 s.
    public var healthCheckInterval: Duration
    /// The most commands that may wait for their replies on one connection; one more fails
    /// at once with `RedisError.tooManyPendingCommands(limit:)`. Default 65,536.
    public var maximumPendingCommands: Int
    /// The limits on what Redis sends. Default `RESPLimits()`.
    public var limits: RESPLimits

    /// A configuration for Redis at `host`:`port`; every other setting has its default.
    public init(host: String = "127.0.0.1", port: Int = 6379) {
        self.host = host
        self.port = port
        self.password = nil
        self.connectTimeout = .seconds(5)
        self.replyTimeout = .seconds(5)
        self.initialReconnectDelay = .milliseconds(100)
        self.maximumReconnectDelay = .seconds(5)
        self.healthCheckInterval = .seconds(5)
        self.maximumPendingCommands = 65_536
        self.limits = RESPLimits()
    }

    /// A configuration for `HOST:PORT`, `HOST` (port 6379) or `[IPV6]:PORT`, as given
    /// on a command line.
    /// - Throws: `RedisError.invalidAddress(_:)` for anything else.
    public init(address: String) throws(RedisError) {
        var host = Substring(address)
        var port = 6379
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw .invalidAddress(address) }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let parsed = Int(rest.dropFirst()) else { throw .invalidAddress(address) }
                port = parsed
            }
        } else if let colon = host.lastIndex(of: ":") {
            guard host[..<colon].firstIndex(of: ":") == nil, let parsed = Int(host[host.index(after: colon)...]) else {
                throw .invalidAddress(address)
            }
            port = parsed
            host = host[..<colon]
        }
        guard !host.isEmpty, (1...65535).contains(port), !host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw .invalidAddress(address)
        }
        self.init(host: String(host), port: port)
    }

    /// `host:port`, or `[host]:port` for an IPv6 literal.
    public var address: String { RedisError.address(host, port) }
}
