import LivePageServer
import LivePageTestSupport
import Synchronization
import Testing

/// A `LivePageServer` in this process on a free port, with the lines it logs, for route
/// tests that need no `livepage-server` process. Requests go on threads of their own: the
/// server's tasks need the cooperative pool a blocked test would hold.
struct EmbeddedServer: Sendable {
    let server: LivePageServer
    private let lines: LogLines

    /// Starts a server with the defaults, one event loop, changed by `configure`.
    init(_ configure: (inout LivePageServer.Configuration) -> Void = { _ in }) throws {
        var configuration = LivePageServer.Configuration()
        configuration.port = 0
        configuration.eventLoopCount = 1
        let lines = LogLines()
        configuration.log = { lines.append($0) }
        configure(&configuration)
        self.lines = lines
        server = try LivePageServer(configuration: configuration)
        try server.start()
    }

    /// Every line the server has logged so far.
    var log: [String] { lines.all }

    /// `method path` on a new connection, with `headers` and `body`.
    func request(_ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: String = "") async throws
        -> TestHTTPResponse
    {
        let port = server.port
        return try await BlockingThread.run {
            try TestHTTPClient(port: port).request(TestHTTPRequest(method, path, headers: headers, body: body))
        }
    }

    /// `POST path` with a JSON body.
    func postJSON(_ path: String, _ json: String, headers: [(name: String, value: String)] = []) async throws -> TestHTTPResponse {
        try await request("POST", path, headers: [("Content-Type", "application/json")] + headers, body: json)
    }

    /// The number of clients the server holds, from `/livepage/metrics`.
    func clientCount() async throws -> Int? {
        LiveServer.sample("livepage_clients", in: try await request("GET", "/livepage/metrics").text)
    }

    /// Shuts the server down.
    func stop() async {
        await server.shutDown()
    }
}

/// Runs `body` with an ``EmbeddedServer`` configured by `configure`, then shuts it down,
/// whether `body` returns or throws.
func withEmbeddedServer<T>(
    _ configure: (inout LivePageServer.Configuration) -> Void = { _ in },
    _ body: (EmbeddedServer) async throws -> T
) async throws -> T {
    let embedded = try EmbeddedServer(configure)
    do {
        let result = try await body(embedded)
        await embedded.stop()
        return result
    } catch {
        await embedded.stop()
        throw error
    }
}

/// Log lines collected from the server's threads.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var all: [String] { lines.withLock { $0 } }
}
