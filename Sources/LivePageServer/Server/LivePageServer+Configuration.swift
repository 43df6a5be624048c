import Glibc
public import LivePage
import LivePageHTTP
public import LivePageRedis

extension LivePageServer {
    /// How a LivePage server runs: where it listens, how it authenticates, its timings
    /// and limits. Every default is PROTOCOL.md's; ``validate()`` reports what cannot work.
    public struct Configuration: Sendable {
        /// The address to listen on (default `127.0.0.1`; `::` or `0.0.0.0` for every interface).
        public var host = "127.0.0.1"
        /// The port (default 8080; 0 picks a free one, reported by ``LivePageServer/port``).
        public var port = 8080
        /// The path every LivePage route lives under (default `/livepage`).
        public var prefix = "/livepage"
        /// The origin pages are served from, such as `https://example.com`, when the
        /// server is behind a proxy that changes it; otherwise the request's `Host` is used.
        public var publicOrigin: String?
        /// Other origins whose pages may send input and close requests (and get CORS
        /// answers); any other `Origin` is refused.
        public var allowedOrigins: [String] = []
        /// The keys backends publish with (`Authorization: Bearer <key>`). None disables
        /// publishing; two let a key be rotated. Each at least 16 bytes.
        public var publishKeys: [String] = []
        /// The keys that open the admin page (`/livepage/admin`) besides the publish keys,
        /// for operators who should see the figures without the power to publish. None:
        /// only the publish keys open it; with neither, it is disabled (`404`). Each at
        /// least 16 bytes; two let a key be rotated.
        public var adminKeys: [String] = []
        /// The HS256 secret of token mode, at least 32 bytes. `nil` is open mode:
        /// principals are taken as given, without authentication.
        public var tokenSecret: String?
        /// Whether the demo pages are served at `/` and `/board` (default `false`;
        /// the `livepage-server` command turns it on).
        public var servesDemo = false
        /// The client manager's timings and limits (refresh 25 s, grace 10 s, queues,
        /// clients per server and principal, locations, batches, presence).
        public var manager = ClientManager.Configuration()
        /// Request line and headers together at most, in bytes (default 16 KiB; over
        /// it `431`, or `414` for a target alone over half of it).
        public var maximumHeaderSize = 16 << 10
        /// An input body at most, in bytes (default 64 KiB; over it `413`).
        public var maximumInputBodySize = 64 << 10
        /// A publish or disconnect body at most, in bytes (default 1 MiB; over it `413`).
        public var maximumPublishBodySize = 1 << 20
        /// How long a request's headers may take to arrive (default 10 s).
        public var headerTimeout: Duration = .seconds(10)
        /// How long a kept-alive connection may sit idle between requests (default 60 s).
        public var idleTimeout: Duration = .seconds(60)
        /// How long in-flight requests get to finish at shutdown (default 10 s).
        public var shutdownGracePeriod: Duration = .seconds(10)
        /// How long an event loop pauses to take a stream of re-polls that only park
        /// together, rather than be woken by each (default 250 µs; `.zero` turns it off).
        /// See `HTTPServerConfiguration.coalescingPause`.
        public var coalescingPause: Duration = .microseconds(250)
        /// Event-loop threads (default one fewer than the cores, at least one).
        ///
        /// A fan-out runs on the loop that read the publish, under the manager's lock, and
        /// answers other loops' polls through their inboxes; a core is left for the timer
        /// thread, tasks (input handlers, a Redis bus) and the kernel's network work. On
        /// two cores shared with a load generator, one loop halved the p99 of a
        /// 10,000-client fan-out against two, with a quarter less CPU.
        public var eventLoopCount = max(1, HTTPServerConfiguration.coreCount - 1)
        /// The Redis that several servers behind one address share (`nil`, the default: one
        /// server, in memory). See ``LivePageServer/connecting(configuration:registry:clock:pages:)``.
        public var redis: RedisConfiguration?
        /// This server's tag among several (1 to 255, each server its own), written into the
        /// first byte of its client ids so a load balancer routes each client home.
        /// Required with ``redis``.
        public var nodeTag: UInt8? {
            get { manager.nodeTag }
            set { manager.nodeTag = newValue }
        }
        /// Webhooks to a backend in another language, and the custom verbs input may carry.
        public var backends = BackendConfiguration()
        /// Where log lines go (default standard error, each line prefixed `livepage: `).
        public var log: @Sendable (String) -> Void = Configuration.standardErrorLog

        /// Writes a line to standard error, prefixed `livepage: `.
        public static let standardErrorLog: @Sendable (String) -> Void = { line in
            let bytes = Array("livepage: \(line)\n".utf8)
            bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
        }

        /// The defaults.
        public init() {}

        /// Checks the configuration as a whole.
        /// - Throws: ``ConfigurationError`` naming the setting and what it needs.
        public func validate() throws(ConfigurationError) {
            guard prefix.hasPrefix("/"), !prefix.hasSuffix("/"), !prefix.contains("?"), !prefix.contains("#") else {
                throw .invalid("prefix", "must start with '/' and not end with one, such as /livepage")
            }
            guard (0...65535).contains(port) else { throw .invalid("port", "must be 0 to 65535") }
            guard publishKeys.count <= 2 else { throw .invalid("publish-key", "may be given at most twice (for rotation)") }
            for key in publishKeys where key.utf8.count < 16 {
                throw .invalid("publish-key", "must be at least 16 bytes long")
            }
            guard adminKeys.count <= 2 else { throw .invalid("admin-key", "may be given at most twice (for rotation)") }
            for key in adminKeys where key.utf8.count < 16 {
                throw .invalid("admin-key", "must be at least 16 bytes long")
            }
            if let tokenSecret, tokenSecret.utf8.count < JSONWebToken.minimumSecretByteCount {
                throw .invalid("token-secret", "must be at least \(JSONWebToken.minimumSecretByteCount) bytes long")
            }
            for origin in allowedOrigins where !Self.isOrigin(origin) {
                throw .invalid("allowed-origin", "'\(origin)' is not an origin such as https://example.com")
            }
            if let publicOrigin, !Self.isOrigin(publicOrigin) {
                throw .invalid("public-origin", "'\(publicOrigin)' is not an origin such as https://example.com")
            }
            if redis != nil, nodeTag == nil || nodeTag == 0 {
                throw .invalid("node-tag", "is required with --redis: a number from 1 to 255, different on each server")
            }
            guard manager.refresh >= .seconds(1) else { throw .invalid("refresh", "must be at least 1 second") }
            guard manager.grace >= .zero else { throw .invalid("grace", "must not be negative") }
            guard manager.resumeWindow >= .zero else { throw .invalid("resume-window", "must not be negative") }
            let positive: [(String, Int)] = [
                ("max-header-size", maximumHeaderSize), ("max-input-body", maximumInputBodySize),
                ("max-publish-body", maximumPublishBodySize), ("max-queued-events", manager.maximumQueuedEvents),
                ("max-queued-bytes", manager.maximumQueuedBytes), ("max-clients", manager.maximumClients),
                ("max-clients-per-principal", manager.maximumClientsPerPrincipal),
                ("max-anonymous-clients", manager.maximumAnonymousClients),
                ("max-locations", manager.maximumLocations), ("max-batch-events", manager.maximumBatchEvents),
                ("max-batch-bytes", manager.maximumBatchBytes), ("presence-list-limit", manager.presenceListLimit),
                ("event-loops", eventLoopCount),
            ]
            for (name, value) in positive where value < 1 {
                throw .invalid(name, "must be at least 1")
            }
            try backends.validate()
        }

        /// Whether `text` is `scheme://host[:port]` with nothing after.
        static func isOrigin(_ text: String) -> Bool {
            let parts = text.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == "http" || parts[0] == "https" else { return false }
            let authority = parts[1]
            return !authority.isEmpty && !authority.contains("/") && !authority.contains("?")
                && !authority.contains("#") && !authority.contains("@") && !authority.contains(" ")
        }
    }
}
