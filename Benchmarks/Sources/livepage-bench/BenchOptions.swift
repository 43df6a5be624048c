/// Everything a run is told on the command line, with the defaults of `--help`.
///
/// The same options measure LivePage and nginx + Nchan (`--proto`), so that both are
/// loaded the same way and their figures compare.
struct BenchOptions {
    /// What to measure.
    var scenario: Scenario = .fanout
    /// The protocol the clients and publishers speak.
    var wireProtocol: WireProtocol = .livepage

    // The server.

    /// The `livepage-server` binary to start. It must be a release build.
    var serverPath = "../.build/release/livepage-server"
    /// Extra arguments for the started server, in order.
    var serverArguments: [String] = []
    /// Where the started server's standard output and error go; nil: a file in /tmp.
    var serverLog: String?
    /// Whether a server path under a `debug` build folder is accepted.
    var allowDebugServer = false
    /// Attach to a server already listening on this port instead of starting one.
    var attachPort: Int?
    /// The server's IPv4 loopback address.
    var host = "127.0.0.1"
    /// With `attachPort`: the processes whose memory and CPU time to sample (their
    /// children included). A started server's own pid is used otherwise.
    var serverPIDs: [Int32] = []
    /// The publish key; a random one is made for a started server.
    var publishKey: String?
    /// Where the LivePage routes live.
    var prefix = "/livepage"
    /// The location every client registers at.
    var location = "/bench"
    /// The Prometheus metric that counts parked requests ("" waits `--settle` only).
    var parkedMetric = "livepage_parked_requests"

    // Nchan (`--proto nchan`).

    /// Where subscribers long-poll.
    var subscriberPath = "/sub/bench"
    /// Where the publisher posts.
    var publisherPath = "/pub/bench"
    /// `nchan_stub_status`, whose `subscribers:` line is awaited before measuring, and
    /// the preflight request ("" skips both: the run waits `--settle` only).
    var statusPath = "/nchan_status"

    // The load.

    /// Connections held open: long-polling clients, or idle connections.
    var clients = 10_000
    /// Fanout: messages to publish.
    var messages = 20
    /// Fanout: messages per second.
    var rate = 2.0
    /// Throughput: publishing time; hold and idle: holding time. Seconds.
    var duration = 10.0
    /// Publisher connections, each with one publish in flight.
    var publishers = 1
    /// Throughput: messages published but not yet delivered to every client, at most.
    var window = 16
    /// Throughput: publishes at most, whatever the duration.
    var maxMessages = 2_000_000
    /// Fanout and throughput: seconds to wait for deliveries after the last publish.
    var timeout = 30.0
    /// Idle: the request each connection sends once; nil: `{prefix}/health`.
    var idlePath: String?

    // The connections.

    /// Source addresses 127.0.0.B ..< B+K, round-robin; nil: one per 10,000 connections.
    var sourceAddresses: Int?
    /// B, the first source address's last octet.
    var sourceBase = 1
    /// Connections being set up (connected, registered, first poll written) at once.
    var connectConcurrency = 512
    /// Seconds to connect, register and park every client.
    var connectTimeout = 120.0
    /// Seconds to wait, once the server reports every client parked, before measuring.
    var settle = 0.5
    /// Seconds to wait at most for the server to report every client parked.
    var settleTimeout = 30.0
    /// Progress on stderr every 2 s.
    var verbose = false

    /// Whether this run starts its own server (LivePage only: nginx + Nchan is started
    /// by `Benchmarks/nchan.sh`, and measured with `--port`).
    var startsServer: Bool { attachPort == nil }

    /// The source address count in force.
    var sourceAddressCount: Int { sourceAddresses ?? ((clients + publishers) / 10_000 + 1) }

    /// The path of the idle scenario's one request.
    var idleRequestPath: String { idlePath ?? prefix + "/health" }
}
