/// Where an ``HTTPClient`` sends its requests and how many it keeps under way.
///
/// ```swift
/// var configuration = HTTPClientConfiguration(host: "127.0.0.1", port: 8000)
/// configuration.maximumConnections = 16
/// ```
public struct HTTPClientConfiguration: Sendable {
    /// The server: an IPv4 or IPv6 literal, or a name resolved once, when the client is
    /// made (never on an event loop).
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// Connections open at once, at most; each carries one request at a time and is kept
    /// alive for the next. Default 16.
    public var maximumConnections: Int
    /// Requests waiting for a connection, at most, beyond those under way; one more is
    /// refused at once with ``HTTPClientError/queueFull(limit:)``. Default 1,024.
    public var maximumQueuedRequests: Int
    /// How long an idle kept-alive connection is kept before it is closed. Default 30 s.
    public var idleTimeout: Duration
    /// The largest response head (status line and fields), in bytes. Default 16 KiB.
    public var maximumResponseHeadSize: Int
    /// The largest response body, in bytes. Default 1 MiB.
    public var maximumResponseBodySize: Int

    /// A configuration for the server at `host`:`port`, with the defaults above.
    public init(
        host: String, port: Int, maximumConnections: Int = 16, maximumQueuedRequests: Int = 1024,
        idleTimeout: Duration = .seconds(30), maximumResponseHeadSize: Int = 16 << 10, maximumResponseBodySize: Int = 1 << 20
    ) {
        self.host = host
        self.port = port
        self.maximumConnections = maximumConnections
        self.maximumQueuedRequests = maximumQueuedRequests
        self.idleTimeout = idleTimeout
        self.maximumResponseHeadSize = maximumResponseHeadSize
        self.maximumResponseBodySize = maximumResponseBodySize
    }

    /// `host:port` as the `Host` field writes it (`[::1]:8000` for IPv6).
    var authority: String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
