import LivePageEvents
import LivePageServer
import LivePageTestSupport
import LivePageTesting
import Synchronization
import Testing

@testable import livepage_server

/// The routes of a `livepage-server` started with some flags, run in this process on a
/// manual clock (`LivePageTesting`), with the requests route tests make of it: what
/// ``LiveServer`` offers, without a process, a socket or a real second.
///
/// The flags go through the command's own parser, so a test says `--refresh 1` as it would
/// to the process. Requests are sent as ``TestHTTPClient`` would send them (`Host`, then
/// `Content-Length` for a body), and answers read back as it would read them.
struct InProcessServer: Sendable {
    let routes: LivePageTestServer
    let prefix: String
    private let lines: LogLines

    /// The port a process would listen on, for `Host` and ``origin``; nothing listens.
    let port = 8080
    /// Its own origin, as a browser on its pages would send it.
    var origin: String { "http://127.0.0.1:\(port)" }

    /// The routes of `livepage-server` with `arguments` (after `--shutdown-grace 5`), no
    /// `LIVEPAGE_` variable, and a log kept for ``expectCleanLog()``.
    init(_ arguments: [String] = [], prefix: String = "/livepage") throws {
        guard
            case .run(var configuration) = try CommandLineOptions.parse(
                arguments: ["--shutdown-grace", "5"] + arguments, environment: [:])
        else {
            throw UsageError(description: "\(arguments) does not run a server")
        }
        let lines = LogLines()
        configuration.log = { lines.append($0) }
        self.lines = lines
        self.prefix = prefix
        routes = try LivePageTestServer(configuration: configuration)
    }

    /// Every line the server has logged so far.
    var log: [String] { lines.all }

    /// Moves the server's clock forward by `duration`, firing what falls due.
    func advance(by duration: Duration) {
        routes.advance(by: duration)
    }

    // MARK: Requests

    /// Sends `request` as ``TestHTTPClient`` would and returns its pending answer.
    func send(_ request: TestHTTPRequest) -> PendingResponse {
        var headers = HTTPHeaders()
        if !request.hasHeader("Host") { headers.add(name: "Host", value: "127.0.0.1:\(port)") }
        for (name, value) in request.headers { headers.add(name: name, value: value) }
        let takesBody = !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method)
        if takesBody, !request.hasHeader("Content-Length"), !request.hasHeader("Transfer-Encoding") {
            headers.add(name: "Content-Length", value: String(request.body.count))
        }
        return routes.send(
            HTTPRequest(HTTPMethod(rawValue: request.method), request.target, headers: headers, body: request.body))
    }

    /// `method path` with `headers` and `body`, waiting for the answer.
    func request(_ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: String = "") async throws
        -> TestHTTPResponse
    {
        TestHTTPResponse(await send(TestHTTPRequest(method, path, headers: headers, body: body)).response)
    }

    /// `POST path` with a JSON body.
    func postJSON(_ path: String, _ json: String, headers: [(name: String, value: String)] = []) async throws -> TestHTTPResponse {
        try await request("POST", path, headers: [("Content-Type", "application/json")] + headers, body: json)
    }

    // MARK: Clients

    /// `POST /clients` with `json`.
    func register(_ json: String) async throws -> TestHTTPResponse {
        try await postJSON("\(prefix)/clients", json)
    }

    /// Registers a client and returns its id, expecting `201`.
    func registerClient(
        at location: String = "/chat", principal: String? = nil, presence: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        var body: JSONObject = ["location": .string(location)]
        if let principal { body["principal"] = .string(principal) }
        if let presence { body["presence"] = .string(presence) }
        let response = try await register(String(decoding: body.jsonBytes(), as: UTF8.self))
        try #require(response.status == 201, "\(response)", sourceLocation: sourceLocation)
        return try #require(try response.json()["client"]?.stringValue, sourceLocation: sourceLocation)
    }

    /// The output route of `id`, with `after` when given.
    func outputPath(_ id: String, after: String? = nil) -> String {
        "\(prefix)/clients/\(id)/output" + (after.map { "?after=\($0)" } ?? "")
    }

    /// A connection to the server: requests sent on it are answered in order.
    func connect() throws -> InProcessConnection {
        InProcessConnection(server: self)
    }

    /// Starts `GET /clients/{id}/output?after=...`: answered, or parked until the test acts.
    func startPoll(_ id: String, after: Int? = nil) -> PendingResponse {
        send(TestHTTPRequest("GET", outputPath(id, after: after.map(String.init))))
    }

    /// `GET /clients/{id}/output?after=...` as a client waits for it: answered at once, or
    /// parked while the clock moves on in steps of 10 ms, as real time would, until the
    /// answer (an event that falls due, the idle answer after the hold time).
    func poll(_ id: String, after: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> TestHTTPResponse
    {
        let pending = startPoll(id, after: after)
        var waited = Duration.zero
        while !pending.isAnswered && waited < Self.longestWait {
            advance(by: Self.waitStep)
            waited += Self.waitStep
        }
        return try answered(pending, sourceLocation: sourceLocation)
    }

    /// How far the clock moves at a time while a poll waits.
    static let waitStep = Duration.milliseconds(10)
    /// How far it moves at most: longer than the longest hold time the tests set.
    static let longestWait = Duration.seconds(120)

    /// The events an output poll answers with, waiting as ``poll(_:after:sourceLocation:)`` does, expecting `200`.
    func events(_ id: String, after: Int = 0, sourceLocation: SourceLocation = #_sourceLocation) throws -> [JSONObject] {
        let response = try poll(id, after: after, sourceLocation: sourceLocation)
        try #require(response.status == 200, "\(response)", sourceLocation: sourceLocation)
        return try response.events()
    }

    /// `POST /clients/{id}/input` with a form body.
    func input(_ id: String, form: String, headers: [(name: String, value: String)] = []) async throws -> TestHTTPResponse {
        try await request(
            "POST", "\(prefix)/clients/\(id)/input",
            headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers, body: form
        )
    }

    /// `POST /clients/{id}/input` with a JSON body.
    func input(_ id: String, json: String, headers: [(name: String, value: String)] = []) async throws -> TestHTTPResponse {
        try await postJSON("\(prefix)/clients/\(id)/input", json, headers: headers)
    }

    /// `POST /clients/{id}/close`, without a body, as `sendBeacon` may send it.
    func close(_ id: String, headers: [(name: String, value: String)] = []) async throws -> TestHTTPResponse {
        try await request("POST", "\(prefix)/clients/\(id)/close", headers: headers)
    }

    /// `GET /clients/{id}/online`.
    func online(_ id: String) async throws -> TestHTTPResponse {
        try await request("GET", "\(prefix)/clients/\(id)/online")
    }

    // MARK: Backends

    /// `POST /publish` with `json`, authorised with `key` unless it is `nil`.
    func publish(_ json: String, key: String? = publishKey) async throws -> TestHTTPResponse {
        try await postJSON("\(prefix)/publish", json, headers: key.map { [("Authorization", "Bearer \($0)")] } ?? [])
    }

    /// `POST /disconnect` with `json`, authorised with `key` unless it is `nil`.
    func disconnect(_ json: String, key: String? = publishKey) async throws -> TestHTTPResponse {
        try await postJSON("\(prefix)/disconnect", json, headers: key.map { [("Authorization", "Bearer \($0)")] } ?? [])
    }

    /// Publishes `events` (a JSON array) to the audience `to` (a JSON object), expecting
    /// `200`, and returns `delivered`.
    func deliver(_ events: String, to audience: String, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> Int?
    {
        let response = try await publish(#"{"to":\#(audience),"events":\#(events)}"#)
        try #require(response.status == 200, "\(response)", sourceLocation: sourceLocation)
        return try response.json().int("delivered")
    }

    // MARK: Metrics

    /// The value of the unlabelled sample `name` in `/metrics`, or `nil` if absent.
    func metric(_ name: String) async throws -> Int? {
        LiveServer.sample(name, in: try await request("GET", "\(prefix)/metrics").text)
    }

    // MARK: Answers

    /// The answer of `pending`, once it comes.
    func answer(_ pending: PendingResponse) async -> TestHTTPResponse {
        TestHTTPResponse(await pending.response)
    }

    /// The answer of `pending`, which must have come at once.
    func answered(_ pending: PendingResponse, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> TestHTTPResponse
    {
        TestHTTPResponse(try #require(pending.answer, "the request was not answered at once", sourceLocation: sourceLocation))
    }

    /// Expects the log to show no internal error or crash.
    func expectCleanLog(sourceLocation: SourceLocation = #_sourceLocation) {
        let log = lines.all.joined(separator: "\n")
        #expect(
            !log.contains("internal error") && !log.contains("crash") && !log.contains("Fatal error"), "\(log.suffix(3000))",
            sourceLocation: sourceLocation)
    }
}

/// A client's connection to an ``InProcessServer``, as ``TestHTTPClient`` is to a process:
/// what is sent on it is answered in order. Nothing is waited for in real time: whether an
/// answer is there is known at once, since nothing but the test moves the server.
final class InProcessConnection: Sendable {
    private let server: InProcessServer
    private let sent = Mutex<[PendingResponse]>([])

    init(server: InProcessServer) {
        self.server = server
    }

    /// Sends `request` on this connection.
    func send(_ request: TestHTTPRequest) throws {
        let pending = server.send(request)
        sent.withLock { $0.append(pending) }
    }

    /// The next answer, once it comes.
    func readResponse() async throws -> TestHTTPResponse {
        let next = try #require(sent.withLock { $0.isEmpty ? nil : $0.removeFirst() }, "nothing was sent")
        return TestHTTPResponse(await next.response)
    }

    /// Sends `request` and waits for its answer.
    func request(_ request: TestHTTPRequest) async throws -> TestHTTPResponse {
        try send(request)
        return try await readResponse()
    }

    /// `GET target`, waiting for the answer.
    func get(_ target: String) async throws -> TestHTTPResponse {
        try await request(TestHTTPRequest("GET", target))
    }

    /// Whether the next answer is there. `within` is ignored: the server moves only when
    /// the test moves it, so what is not there now will not come by itself.
    func hasDataAvailable(within timeout: Duration = .zero) throws -> Bool {
        sent.withLock { $0.first?.isAnswered ?? false }
    }

    /// Closes the connection: requests still waiting are cancelled, as when a client goes away.
    func close() {
        for pending in sent.withLock({ $0 }) { pending.cancel() }
    }
}

extension TestHTTPResponse {
    /// `response` as ``TestHTTPClient`` would have read it.
    init(_ response: HTTPResponse) {
        self.init(
            version: "HTTP/1.1", status: response.status.code, reason: response.status.reasonPhrase,
            headers: response.headers.map { (name: $0.name, value: $0.value) }, body: response.body)
    }
}

/// Runs `body` with the routes of a server started with `arguments`, in this process, then
/// shuts them down as `SIGTERM` would and expects a log with no internal error or crash.
func withInProcessServer<T>(
    _ arguments: [String] = [],
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (InProcessServer) async throws -> T
) async throws -> T {
    let server = try InProcessServer(arguments)
    let result: T
    do {
        result = try await body(server)
    } catch {
        await server.routes.shutDown()
        throw error
    }
    await server.routes.shutDown()
    server.expectCleanLog(sourceLocation: sourceLocation)
    return result
}
