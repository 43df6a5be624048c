import LivePageEvents
import LivePageTestSupport
import Testing

/// The LivePage requests the cluster tests make, of nginx or of one node: each on a new
/// connection, waiting at most a minute for its answer.
struct Endpoint: Sendable {
    /// nginx's port, or a node's.
    let port: Int

    /// `method path` with `headers` and `body`, and its answer.
    func request(_ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: String = "") throws
        -> TestHTTPResponse
    {
        try TestHTTPClient(port: port, timeout: .seconds(60)).request(TestHTTPRequest(method, path, headers: headers, body: body))
    }

    /// Registers a client at `location` and returns its id, expecting `201`.
    func register(at location: String, principal: String? = nil, presence: String? = nil) throws -> ClusterClient {
        var body: JSONObject = ["location": .string(location)]
        if let principal { body["principal"] = .string(principal) }
        if let presence { body["presence"] = .string(presence) }
        let response = try request(
            "POST", "/livepage/clients", headers: [("Content-Type", "application/json")], body: String(decoding: body.jsonBytes(), as: UTF8.self)
        )
        try #require(response.status == 201, "\(response)")
        return ClusterClient(id: try #require(try response.json()["client"]?.stringValue), principal: principal)
    }

    /// `GET /clients/{id}/output?after=N`, waiting for the answer (a poll with nothing
    /// waiting parks up to the refresh interval: call it on a ``BlockingThread``).
    func poll(_ client: ClusterClient, after: Int) throws -> TestHTTPResponse {
        try request("GET", "/livepage/clients/\(client.id)/output?after=\(after)")
    }

    /// The events waiting for `client` above `after`, expecting `200`: call it only when
    /// events are waiting, or the poll parks.
    func events(_ client: ClusterClient, after: Int = 0, sourceLocation: SourceLocation = #_sourceLocation) throws -> [JSONObject] {
        let response = try poll(client, after: after)
        try #require(response.status == 200, "\(response)", sourceLocation: sourceLocation)
        return try response.events()
    }

    /// Sends `client`'s output request without reading its answer, on a connection of its
    /// own that the caller reads from: a poll to park.
    func startPoll(_ client: ClusterClient, after: Int) throws -> TestHTTPClient {
        let connection = try TestHTTPClient(port: port, timeout: .seconds(60))
        try connection.send(TestHTTPRequest("GET", "/livepage/clients/\(client.id)/output?after=\(after)"))
        return connection
    }

    /// `POST /clients/{id}/input` with a form body.
    func input(_ client: ClusterClient, form: String) throws -> TestHTTPResponse {
        try request("POST", "/livepage/clients/\(client.id)/input", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: form)
    }

    /// `POST /clients/{id}/close`.
    func close(_ client: ClusterClient) throws -> TestHTTPResponse {
        try request("POST", "/livepage/clients/\(client.id)/close")
    }

    /// `GET /clients/{id}/online`.
    func online(_ client: ClusterClient) throws -> TestHTTPResponse {
        try request("GET", "/livepage/clients/\(client.id)/online")
    }

    /// `GET /presence?location=...` with the publish key.
    func presence(at location: String) throws -> TestHTTPResponse {
        try request("GET", "/livepage/presence?location=\(location)", headers: [("Authorization", "Bearer \(publishKey)")])
    }

    /// The principals `/presence` lists at `location`, or `nil` unless it answers `200`.
    func principals(at location: String) throws -> [String]? {
        let response = try presence(at: location)
        guard response.status == 200 else { return nil }
        return try response.json().strings("principals")
    }

    /// `POST /publish` of `events` (a JSON array) to the audience `to` (a JSON object).
    func publish(_ events: String, to audience: String) throws -> TestHTTPResponse {
        try request(
            "POST", "/livepage/publish",
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(publishKey)")],
            body: #"{"to":\#(audience),"events":\#(events)}"#
        )
    }

    /// Publishes one `append` per text in `html` to `location`, expecting `200`.
    /// - Returns: `delivered`.
    func deliver(_ html: [String], toLocation location: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int? {
        let events = "[" + html.map { #"{"verb":"append","id":"log","html":"\#($0)"}"# }.joined(separator: ",") + "]"
        let response = try publish(events, to: #"{"location":"\#(location)"}"#)
        try #require(response.status == 200, "\(response)", sourceLocation: sourceLocation)
        return try response.json().int("delivered")
    }

    /// `POST /disconnect` with the publish key.
    func disconnect(_ audience: String) throws -> TestHTTPResponse {
        try request(
            "POST", "/livepage/disconnect",
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(publishKey)")],
            body: #"{"to":\#(audience)}"#
        )
    }

    /// The unlabelled sample `name` of `/metrics`.
    func metric(_ name: String) throws -> Int? {
        LiveServer.sample(name, in: try request("GET", "/livepage/metrics").text)
    }
}

/// A client registered on the cluster: its id, whose first two hex digits are the tag of
/// its home node, and its principal.
struct ClusterClient: Sendable, Hashable {
    let id: String
    let principal: String?

    /// The tag of the node it was registered on.
    var tag: Int { Int(id.prefix(2), radix: 16) ?? -1 }
}

/// The `html` of each event.
func htmls(_ events: [JSONObject]) -> [String] {
    events.map { $0.string("html") ?? "?" }
}
