import Glibc
import LivePageEvents
import LivePageTestSupport
import Testing

/// A publish key over the 16-byte minimum, for servers that publish.
let publishKey = "test-publish-key-0123456789"

/// The arguments of a server that publishes with ``publishKey``.
let publishing = ["--publish-key", publishKey]

/// A `livepage-server` process started for one test, on a free port, with the requests
/// the tests make of it. Each request goes on a new connection, so that tests say which
/// requests share one only where it matters (``connect()``).
struct LiveServer: Sendable {
    let process: ServerProcess
    let prefix: String

    /// The port it listens on.
    var port: Int { process.port }
    /// Its own origin, as a browser on its pages would send it.
    var origin: String { "http://127.0.0.1:\(port)" }

    /// The `livepage-server` built beside the test binary.
    static func executable() throws -> String {
        try ServerProcess.siblingExecutable(named: "livepage-server")
    }

    /// Starts a server with `--port 0` and `arguments`, with no `LIVEPAGE_` variable
    /// inherited, and waits until it listens.
    static func start(_ arguments: [String] = [], environment: [String: String] = [:], prefix: String = "/livepage") async throws
        -> LiveServer
    {
        let process = try await ServerProcess.start(
            executable: try executable(),
            arguments: ["--port", "0", "--shutdown-grace", "5"] + arguments,
            environment: environment,
            removingPrefixes: ["LIVEPAGE_"]
        )
        return LiveServer(process: process, prefix: prefix)
    }

    /// A new connection to the server.
    func connect() throws -> TestHTTPClient {
        try TestHTTPClient(port: port)
    }

    /// `method path` on a new connection, with `headers` and `body`.
    func request(_ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: String = "") throws
        -> TestHTTPResponse
    {
        try connect().request(TestHTTPRequest(method, path, headers: headers, body: body))
    }

    /// `POST path` with a JSON body.
    func postJSON(_ path: String, _ json: String, headers: [(name: String, value: String)] = []) throws -> TestHTTPResponse {
        try request("POST", path, headers: [("Content-Type", "application/json")] + headers, body: json)
    }

    // MARK: Clients

    /// `POST /clients` with `json`.
    func register(_ json: String) throws -> TestHTTPResponse {
        try postJSON("\(prefix)/clients", json)
    }

    /// Registers a client and returns its id, expecting `201`.
    func registerClient(
        at location: String = "/chat", principal: String? = nil, presence: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        var body: JSONObject = ["location": .string(location)]
        if let principal { body["principal"] = .string(principal) }
        if let presence { body["presence"] = .string(presence) }
        let response = try register(String(decoding: body.jsonBytes(), as: UTF8.self))
        try #require(response.status == 201, "\(response)", sourceLocation: sourceLocation)
        return try #require(try response.json()["client"]?.stringValue, sourceLocation: sourceLocation)
    }

    /// The output route of `id`, with `after` when given.
    func outputPath(_ id: String, after: String? = nil) -> String {
        "\(prefix)/clients/\(id)/output" + (after.map { "?after=\($0)" } ?? "")
    }

    /// `GET /clients/{id}/output?after=...`, waiting for the answer.
    func poll(_ id: String, after: Int? = nil) throws -> TestHTTPResponse {
        try request("GET", outputPath(id, after: after.map(String.init)))
    }

    /// The events an output poll answers with at once, expecting `200`; the poll must not
    /// park, so call it only when events are waiting.
    func events(_ id: String, after: Int = 0, sourceLocation: SourceLocation = #_sourceLocation) throws -> [JSONObject] {
        let response = try poll(id, after: after)
        try #require(response.status == 200, "\(response)", sourceLocation: sourceLocation)
        return try response.events()
    }

    /// `POST /clients/{id}/input` with a form body.
    func input(_ id: String, form: String, headers: [(name: String, value: String)] = []) throws -> TestHTTPResponse {
        try request(
            "POST", "\(prefix)/clients/\(id)/input",
            headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers, body: form
        )
    }

    /// `POST /clients/{id}/input` with a JSON body.
    func input(_ id: String, json: String, headers: [(name: String, value: String)] = []) throws -> TestHTTPResponse {
        try postJSON("\(prefix)/clients/\(id)/input", json, headers: headers)
    }

    /// `POST /clients/{id}/close`, without a body, as `sendBeacon` may send it.
    func close(_ id: String, headers: [(name: String, value: String)] = []) throws -> TestHTTPResponse {
        try request("POST", "\(prefix)/clients/\(id)/close", headers: headers)
    }

    /// `GET /clients/{id}/online`.
    func online(_ id: String) throws -> TestHTTPResponse {
        try request("GET", "\(prefix)/clients/\(id)/online")
    }

    // MARK: Backends

    /// `POST /publish` with `json`, authorised with `key` unless it is `nil`.
    func publish(_ json: String, key: String? = publishKey) throws -> TestHTTPResponse {
        try postJSON("\(prefix)/publish", json, headers: key.map { [("Authorization", "Bearer \($0)")] } ?? [])
    }

    /// `POST /disconnect` with `json`, authorised with `key` unless it is `nil`.
    func disconnect(_ json: String, key: String? = publishKey) throws -> TestHTTPResponse {
        try postJSON("\(prefix)/disconnect", json, headers: key.map { [("Authorization", "Bearer \($0)")] } ?? [])
    }

    /// Publishes `events` (a JSON array) to the audience `to` (a JSON object), expecting
    /// `200`, and returns `delivered`.
    func deliver(_ events: String, to audience: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int? {
        let response = try publish(#"{"to":\#(audience),"events":\#(events)}"#)
        try #require(response.status == 200, "\(response)", sourceLocation: sourceLocation)
        return try response.json().int("delivered")
    }

    // MARK: Metrics

    /// The value of the unlabelled sample `name` in `/metrics`, or `nil` if absent.
    func metric(_ name: String) throws -> Int? {
        let response = try request("GET", "\(prefix)/metrics")
        return Self.sample(name, in: response.text)
    }

    /// The value of the sample `name` (with its labels, such as `x{status="200"}`) in
    /// Prometheus text.
    static func sample(_ name: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == name { return Int(parts[1]) }
        }
        return nil
    }

    /// Waits until the metric `name` is `value`.
    func waitForMetric(_ name: String, toBe value: Int) async throws -> Bool {
        try await eventually { try metric(name) == value }
    }

    // MARK: Stopping

    /// Stops the server with `SIGTERM` and returns how it exited.
    func stop() async throws -> ServerProcess.ExitStatus {
        process.signal(SIGTERM)
        return try await process.waitForExit()
    }
}

/// Runs `body` with a server started with `arguments`, then stops it and expects it to
/// exit 0 having logged no internal error or crash. A server whose test throws is killed.
func withServer<T>(
    _ arguments: [String] = [],
    environment: [String: String] = [:],
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (LiveServer) async throws -> T
) async throws -> T {
    try await runThenStop(try await LiveServer.start(arguments, environment: environment), sourceLocation: sourceLocation, body)
}

/// Runs `body` with `server`, then stops it and expects exit 0 and a log with no internal
/// error or crash; a server whose test throws is killed.
func runThenStop<T>(
    _ server: LiveServer,
    sourceLocation: SourceLocation,
    _ body: (LiveServer) async throws -> T
) async throws -> T {
    let result: T
    do {
        // The body calls blocking helpers: on a thread of its own, not the pool's.
        result = try await OwnThreadExecutor.run { try await body(server) }
    } catch {
        server.process.signal(SIGKILL)
        throw error
    }
    let status = try await server.stop()
    #expect(status == .exited(0), "standard error:\n\(server.process.standardError.suffix(3000))", sourceLocation: sourceLocation)
    expectCleanLog(server, sourceLocation: sourceLocation)
    return result
}

/// Expects the server's log to show no internal error or crash.
func expectCleanLog(_ server: LiveServer, sourceLocation: SourceLocation = #_sourceLocation) {
    let log = server.process.standardError
    #expect(
        !log.contains("internal error") && !log.contains("crash") && !log.contains("Fatal error"), "\(log.suffix(3000))",
        sourceLocation: sourceLocation)
}
