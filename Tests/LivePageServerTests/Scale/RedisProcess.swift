import Glibc
import LivePageTestSupport
import Synchronization
import Testing

/// A real `redis-server` from Debian's packages, on a free loopback port, saving nothing;
/// it can be stopped and started again on the same port, and asked commands with
/// `redis-cli`.
final class RedisProcess: Sendable {
    /// The port it listens on, the same across restarts.
    let port: Int
    private let process: Mutex<ServerProcess?>

    private init(port: Int, process: ServerProcess) {
        self.port = port
        self.process = Mutex(process)
    }

    /// Starts one on a free port, trying another if the port was taken meanwhile.
    static func start() async throws -> RedisProcess {
        var output = ""
        for _ in 0..<5 {
            let port = try LoopbackSocket.freePort()
            let process = try launch(port: port)
            if await waitUntilAccepting(port: port, process: process) {
                return RedisProcess(port: port, process: process)
            }
            output = process.standardOutput + process.standardError
            process.signal(SIGKILL)
        }
        throw ServerProcessError("redis-server did not start:\n\(output)")
    }

    /// Stops it with `signal` (`SIGTERM` by default: Redis exits at once, saving nothing)
    /// and waits until it has exited.
    func stop(with signal: Int32 = SIGTERM) async throws {
        guard let running = process.withLock({ $0 }) else { return }
        running.signal(signal)
        _ = try await running.waitForExit()
        process.withLock { $0 = nil }
    }

    /// Starts it again on the same port, empty, after ``stop(with:)``.
    func restart() async throws {
        let restarted = try Self.launch(port: port)
        let accepting = await Self.waitUntilAccepting(port: port, process: restarted)
        try #require(accepting, "redis-server did not start again on port \(port):\n\(restarted.standardOutput)")
        process.withLock { $0 = restarted }
    }

    /// Runs `redis-cli` with `arguments` (a command and its arguments) against it.
    /// - Returns: What it printed.
    func command(_ arguments: [String]) async throws -> String {
        let cli = try ServerProcess(executable: try ExternalTool.redisCLI.executable(), arguments: ["-h", "127.0.0.1", "-p", String(port)] + arguments)
        let status = try await cli.waitForExit()
        _ = await cli.waitForOutputToEnd()
        try #require(status == .exited(0), "redis-cli \(arguments) failed (\(status)): \(cli.standardError)")
        return cli.standardOutput
    }

    private static func launch(port: Int) throws -> ServerProcess {
        try ServerProcess(
            executable: try ExternalTool.redisServer.executable(),
            arguments: [
                "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", "/tmp", "--loglevel", "warning",
            ]
        )
    }

    /// Waits until `process` answers on `port` (``RedisProbe`` says why a connection is not
    /// enough), or ends.
    private static func waitUntilAccepting(port: Int, process: ServerProcess) async -> Bool {
        await eventually { RedisProbe.answers(port: port, pid: process.pid, password: nil) || process.outputEnded }
            && RedisProbe.answers(port: port, pid: process.pid, password: nil)
    }
}

/// Whether something accepts TCP connections on the loopback `port`.
func acceptsConnections(port: Int) -> Bool {
    (try? TestHTTPClient(port: port, timeout: .seconds(5))) != nil
}
