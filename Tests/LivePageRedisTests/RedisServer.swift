import Glibc
import LivePageRedis
import LivePageTestSupport
import Synchronization
import Testing

/// A real `redis-server` from Debian's packages, run as a child process on a free loopback
/// port for one test, with nothing saved to disk; it can be stopped, frozen and restarted
/// on the same port.
final class RedisServer: Sendable {
    /// The port it listens on, the same across restarts.
    let port: Int
    /// Arguments added to the command line, such as `["--requirepass", "secret"]`.
    let extraArguments: [String]
    private let process: Mutex<ServerProcess?>

    private init(port: Int, extraArguments: [String], process: ServerProcess) {
        self.port = port
        self.extraArguments = extraArguments
        self.process = Mutex(process)
    }

    /// Starts a server on a free port, retrying with another port if one was taken
    /// meanwhile.
    /// - Parameter extraArguments: Added to its command line. Default none.
    static func start(extraArguments: [String] = []) async throws -> RedisServer {
        var lastError = ""
        for _ in 0..<5 {
            let port = try LoopbackSocket.freePort()
            let process = try launch(port: port, extraArguments: extraArguments)
            if try await waitUntilAccepting(port: port, process: process, password: password(in: extraArguments)) {
                return RedisServer(port: port, extraArguments: extraArguments, process: process)
            }
            lastError = process.standardOutput + process.standardError
        }
        throw ServerProcessError("redis-server did not start:\n\(lastError)")
    }

    /// A configuration for this server with quick reconnection, and timeouts generous
    /// enough for a busy machine.
    func configuration(replyTimeout: Duration = .seconds(20), connectTimeout: Duration = .seconds(20))
        -> RedisConfiguration
    {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        configuration.replyTimeout = replyTimeout
        configuration.connectTimeout = connectTimeout
        configuration.initialReconnectDelay = .milliseconds(20)
        configuration.maximumReconnectDelay = .milliseconds(250)
        return configuration
    }

    /// The running server's process id, `nil` once stopped.
    var pid: Int32? { process.withLock { $0?.pid } }

    /// Sends `signal` to the running server.
    func signal(_ signal: Int32) {
        process.withLock { $0?.signal(signal) }
    }

    /// Stops the server with `signal` (default `SIGKILL`) and waits until it has exited.
    func stop(with signal: Int32 = SIGKILL) async throws {
        guard let running = process.withLock({ $0 }) else { return }
        running.signal(SIGCONT)
        running.signal(signal)
        _ = try await running.waitForExit()
        process.withLock { $0 = nil }
    }

    /// Starts the server again on the same port, after `stop(with:)`.
    func restart() async throws {
        let restarted = try Self.launch(port: port, extraArguments: extraArguments)
        let accepting = try await Self.waitUntilAccepting(
            port: port, process: restarted, password: Self.password(in: extraArguments))
        try #require(accepting, "redis-server did not restart on port \(port):\n\(restarted.standardOutput)")
        process.withLock { $0 = restarted }
    }

    private static func launch(port: Int, extraArguments: [String]) throws -> ServerProcess {
        try ServerProcess(
            executable: try ExternalTool.redisServer.executable(),
            arguments: [
                "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", "/tmp", "--enable-debug-command", "local", "--loglevel", "warning",
            ] + extraArguments)
    }

    /// Waits until `process` answers on `port`, or ends.
    private static func waitUntilAccepting(port: Int, process: ServerProcess, password: String?) async throws -> Bool {
        await eventually { RedisProbe.answers(port: port, pid: process.pid, password: password) || process.outputEnded }
            && RedisProbe.answers(port: port, pid: process.pid, password: password)
    }

    /// The password given with `--requirepass`, if any.
    private static func password(in arguments: [String]) -> String? {
        guard let flag = arguments.firstIndex(of: "--requirepass"), flag + 1 < arguments.count else { return nil }
        return arguments[flag + 1]
    }

    /// Runs `body` with a loopback port that refuses connections: bound by a socket that
    /// does not listen, so that no other test's server can take it meanwhile.
    static func withRefusingPort<Result>(_ body: (Int) async throws -> Result) async throws -> Result {
        let socket = try LoopbackSocket.bind()
        defer { close(socket.fd) }
        return try await body(socket.port)
    }
}

/// Runs `body` with a fresh Redis started with `extraArguments`, killed afterwards
/// whatever happens.
func withRedis<Result>(
    extraArguments: [String] = [], _ body: (RedisServer) async throws -> Result
) async throws -> Result {
    let server = try await RedisServer.start(extraArguments: extraArguments)
    do {
        let result = try await body(server)
        try await server.stop()
        return result
    } catch {
        try? await server.stop()
        throw error
    }
}

/// What handlers reported, in order, shared with the connection's thread.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    /// Records `value`.
    func append(_ value: Value) {
        values.withLock { $0.append(value) }
    }

    /// Everything recorded so far.
    var all: [Value] { values.withLock { $0 } }

    /// How many values have been recorded.
    var count: Int { values.withLock { $0.count } }
}

extension RedisSubscriberEvent {
    /// Whether this is `lost`, whatever the reason.
    var isLost: Bool {
        if case .lost = self { return true }
        return false
    }

    /// Whether this is `subscribed`, whatever the channels.
    var isSubscribed: Bool {
        if case .subscribed = self { return true }
        return false
    }
}

/// The `RedisError` `body` throws, or `nil` if it throws none.
func redisError(_ body: () async throws -> Void) async -> RedisError? {
    do {
        try await body()
        return nil
    } catch let error as RedisError {
        return error
    } catch {
        Issue.record("not a RedisError: \(error)")
        return nil
    }
}
