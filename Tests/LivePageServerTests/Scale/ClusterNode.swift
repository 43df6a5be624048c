import Glibc
import LivePageTestSupport
import Synchronization
import Testing

/// One `livepage-server` of a cluster: `--redis` on the shared Redis, `--node-tag`, the
/// test publish key; killed (`SIGKILL`) and started again with the same tag on the same
/// port when a test says so.
final class ClusterNode: Sendable {
    /// Its tag: the first byte of the ids of the clients registered on it.
    let tag: Int
    /// The port it listens on, the same across restarts.
    let port: Int
    private let redisPort: Int
    private let running = Mutex<ServerProcess?>(nil)

    private init(tag: Int, port: Int, redisPort: Int, process: ServerProcess) {
        (self.tag, self.port, self.redisPort) = (tag, port, redisPort)
        running.withLock { $0 = process }
    }

    /// Starts the node tagged `tag` on a port of its choosing.
    static func start(tag: Int, redisPort: Int) async throws -> ClusterNode {
        let process = try await launch(tag: tag, port: 0, redisPort: redisPort)
        return ClusterNode(tag: tag, port: process.port, redisPort: redisPort, process: process)
    }

    /// The requests tests make of this node alone.
    var endpoint: Endpoint { Endpoint(port: port) }

    /// The running process, if any.
    var process: ServerProcess? { running.withLock { $0 } }

    /// Kills it with `SIGKILL`, as a crash would, and waits until it has exited.
    func kill() async throws {
        guard let process = running.withLock({ $0 }) else { return }
        process.signal(SIGKILL)
        _ = try await process.waitForExit()
        running.withLock { $0 = nil }
    }

    /// Starts it again, after ``kill()``, with the same tag on the same port: a new
    /// incarnation, which knows none of the old one's clients.
    func restart() async throws {
        var lastError: any Error = ServerProcessError("not started")
        // The port was released by the kill; retry in case it is briefly unavailable.
        for _ in 0..<10 {
            do {
                let process = try await Self.launch(tag: tag, port: port, redisPort: redisPort)
                running.withLock { $0 = process }
                return
            } catch {
                lastError = error
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        throw lastError
    }

    /// Stops it with `SIGTERM` and expects a clean exit: status 0, no internal error.
    func stop(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        guard let process = running.withLock({ $0 }) else { return }
        process.signal(SIGTERM)
        let status = try await process.waitForExit()
        running.withLock { $0 = nil }
        #expect(status == .exited(0), "node \(tag): \(process.standardError)", sourceLocation: sourceLocation)
        #expect(!process.standardError.contains("internal error"), "node \(tag): \(process.standardError)", sourceLocation: sourceLocation)
    }

    private static func launch(tag: Int, port: Int, redisPort: Int) async throws -> ServerProcess {
        try await ServerProcess.start(
            executable: try LiveServer.executable(),
            arguments: [
                "--port", String(port), "--redis", "127.0.0.1:\(redisPort)", "--node-tag", String(tag),
                "--publish-key", publishKey, "--no-demo", "--shutdown-grace", "5",
                // No client expires while a test waits on a node's timers.
                "--grace", "600",
            ],
            removingPrefixes: ["LIVEPAGE_"]
        )
    }
}
