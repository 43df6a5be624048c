import Glibc
import LivePageEvents
import LivePageTestSupport
import Testing

extension LiveServer {
    /// A probe of the server process's `/proc` figures.
    var probe: ProcessProbe { ProcessProbe(pid: process.pid) }

    /// Registers `count` clients on one kept-alive connection, `pipelined` requests at a
    /// time, and returns their ids in order.
    /// - Parameter body: The registration JSON of client `index`.
    /// - Throws: When a registration is not `201`.
    func registerClients(_ count: Int, pipelined: Int = 64, body: (Int) -> String) throws -> [String] {
        let connection = try TestHTTPClient(port: port, timeout: .seconds(120))
        var ids: [String] = []
        ids.reserveCapacity(count)
        var next = 0
        while next < count {
            let batch = next..<min(count, next + pipelined)
            for index in batch {
                try connection.send(
                    TestHTTPRequest("POST", "\(prefix)/clients", headers: [("Content-Type", "application/json")], body: body(index)))
            }
            for _ in batch {
                let response = try connection.readResponse()
                try #require(response.status == 201, "registration \(ids.count): \(response)")
                ids.append(try #require(try response.json().string("client")))
            }
            next = batch.upperBound
        }
        connection.close()
        return ids
    }

    /// The unlabelled sample `name` of `/metrics`, asked on `connection` (kept alive, so
    /// that it works while the server can accept no new connection).
    func metric(_ name: String, on connection: TestHTTPClient) throws -> Int? {
        Self.sample(name, in: try connection.get("\(prefix)/metrics").text)
    }
}

/// Runs `body` with a `livepage-server` started with `arguments` (`--port 0` first), then
/// stops it and expects exit 0 and a log without internal errors; a server whose test
/// throws is killed.
///
/// The executable is the one built beside the tests, or `FAULTS_SERVER` when set (the
/// scripts under `Benchmarks/faults` run the tests against a release build). With
/// `descriptorLimit`, the server runs with that `RLIMIT_NOFILE` (soft and hard), set by
/// the shell that then `exec`s it, so the server has the same pid.
func withFaultServer<T>(
    _ arguments: [String],
    descriptorLimit: Int? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (LiveServer) async throws -> T
) async throws -> T {
    var executable = try LiveServer.executable()
    if let path = getenv("FAULTS_SERVER") { executable = String(cString: path) }
    var command = [executable, "--port", "0", "--shutdown-grace", "10"] + arguments
    if let descriptorLimit {
        command = ["-c", #"ulimit -n \#(descriptorLimit) && exec "$0" "$@""#] + command
        executable = "/bin/sh"
    } else {
        command.removeFirst()
    }
    let process = try ServerProcess(executable: executable, arguments: command, removingPrefixes: ["LIVEPAGE_"])
    _ = try await process.waitUntilListening()
    return try await runThenStop(LiveServer(process: process, prefix: "/livepage"), sourceLocation: sourceLocation, body)
}
