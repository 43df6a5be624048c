import Glibc
import Synchronization

/// A server executable run as a child process by a test: started with its arguments and
/// environment, its standard output and error collected as they come, signalled, and
/// waited for with a deadline.
///
/// ```swift
/// let server = try await ServerProcess.start(
///     executable: try ServerProcess.siblingExecutable(named: "livepage-server"),
///     arguments: ["--port", "0"]
/// )
/// let client = try TestHTTPClient(port: server.port)
/// server.signal(SIGTERM)
/// #expect(try await server.waitForExit() == .exited(0))
/// ```
///
/// A process still running when its `ServerProcess` goes away is killed (`SIGKILL`) and
/// reaped, so a failing test leaves nothing behind.
public final class ServerProcess: Sendable {
    /// How a process ended.
    public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
        /// It exited with this code.
        case exited(Int32)
        /// A signal ended it.
        case signaled(Int32)

        /// `exit 2` or `signal 9`.
        public var description: String {
            switch self {
            case .exited(let code): "exit \(code)"
            case .signaled(let signal): "signal \(signal)"
            }
        }
    }

    /// The process id.
    public let pid: Int32
    /// The path of the executable.
    public let executable: String
    private let standardErrorBuffer: OutputBuffer
    private let standardOutputBuffer: OutputBuffer
    private let exitStatus = Mutex<ExitStatus?>(nil)
    private let listeningPort = Atomic<Int>(0)

    /// The path of the executable `name` built beside the running test binary, as SwiftPM
    /// builds every product of a package into one directory.
    /// - Throws: ``ServerProcessError`` when it is not there.
    public static func siblingExecutable(named name: String) throws -> String {
        var candidates: [String] = []
        var path = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &path, path.count - 1)
        if length > 0 {
            candidates.append(directory(of: String(decoding: path[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)))
        }
        if let first = CommandLine.arguments.first, first.contains("/") { candidates.append(directory(of: first)) }
        for directory in candidates where access(directory + "/" + name, X_OK) == 0 {
            return directory + "/" + name
        }
        throw ServerProcessError("no executable '\(name)' beside the test binary (looked in \(candidates)); build it first")
    }

    /// Starts `executable`.
    /// - Parameters:
    ///   - executable: The path of the executable.
    ///   - arguments: The arguments after the program name.
    ///   - environment: Variables set for it, over the inherited ones.
    ///   - inheritsEnvironment: Whether it starts from this process's environment (default
    ///     `true`) without the variables whose names start with one of `removingPrefixes`.
    ///   - removingPrefixes: Inherited variables left out (default none).
    ///   - workingDirectory: Its working directory (default this process's).
    /// - Throws: ``ServerProcessError`` when it cannot be started.
    public init(
        executable: String,
        arguments: [String],
        environment: [String: String] = [:],
        inheritsEnvironment: Bool = true,
        removingPrefixes: [String] = [],
        workingDirectory: String? = nil
    ) throws {
        var variables: [String: String] = [:]
        if inheritsEnvironment {
            var entry = environ
            while let pointer = entry.pointee {
                let text = String(cString: pointer)
                if let equals = text.firstIndex(of: "="), !removingPrefixes.contains(where: { text.hasPrefix($0) }) {
                    variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
                }
                entry += 1
            }
        }
        variables.merge(environment) { $1 }
        let spawned = try Spawn.run(
            executable: executable,
            arguments: [executable] + arguments,
            environment: variables.map { "\($0.key)=\($0.value)" },
            workingDirectory: workingDirectory
        )
        self.pid = spawned.pid
        self.executable = executable
        self.standardOutputBuffer = OutputBuffer(reading: spawned.standardOutput)
        self.standardErrorBuffer = OutputBuffer(reading: spawned.standardError)
    }

    /// Starts `executable` and waits until it says where it listens; see
    /// ``waitUntilListening(timeout:)``.
    public static func start(
        executable: String,
        arguments: [String],
        environment: [String: String] = [:],
        removingPrefixes: [String] = [],
        workingDirectory: String? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> ServerProcess {
        let process = try ServerProcess(
            executable: executable, arguments: arguments, environment: environment,
            removingPrefixes: removingPrefixes, workingDirectory: workingDirectory
        )
        _ = try await process.waitUntilListening(timeout: timeout)
        return process
    }

    deinit {
        let reaped = exitStatus.withLock { $0 != nil }
        if !reaped {
            Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        }
    }

    /// Everything the process has written to standard error so far.
    public var standardError: String { standardErrorBuffer.text }

    /// Everything the process has written to standard output so far.
    public var standardOutput: String { standardOutputBuffer.text }

    /// Whether both output streams have reached their end (the process and every copy of
    /// its descriptors are gone).
    public var outputEnded: Bool { standardErrorBuffer.ended && standardOutputBuffer.ended }

    /// The port the process listens on, once ``waitUntilListening(timeout:)`` has seen it.
    public var port: Int { listeningPort.load(ordering: .acquiring) }

    /// Waits for a standard-error line containing `listening on http://HOST:PORT/`.
    /// - Returns: The port.
    /// - Throws: ``ServerProcessError`` with the standard error so far, if the process ends
    ///   first or `timeout` (default 60 s) passes.
    public func waitUntilListening(timeout: Duration = .seconds(60)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let port = Self.listeningPort(in: standardError) {
                listeningPort.store(port, ordering: .releasing)
                return port
            }
            if try reap() != nil, standardErrorBuffer.ended {
                if let port = Self.listeningPort(in: standardError) { return port }
                throw ServerProcessError("\(executable) ended (\(try reap()!)) before listening:\n\(standardError)")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        throw ServerProcessError("\(executable) did not say where it listens within \(timeout):\n\(standardError)")
    }

    /// The port in the first `listening on http://HOST:PORT/` of `text`.
    public static func listeningPort(in text: String) -> Int? {
        guard let marker = text.firstRange(of: "listening on http://") else { return nil }
        let rest = text[marker.upperBound...]
        guard let slash = rest.firstIndex(of: "/"), let colon = rest[..<slash].lastIndex(of: ":") else { return nil }
        return Int(rest[rest.index(after: colon)..<slash])
    }

    /// Sends `signal` the moment the process writes `marker` to standard error (from the
    /// thread that reads it, with no polling delay), or at once if it already has: to
    /// signal a server as soon as it says it listens.
    public func signal(_ signal: Int32, onceStandardErrorContains marker: String) {
        standardErrorBuffer.whenRead(marker) { [weak self] in self?.signal(signal) }
    }

    /// Sends `signal` (such as `SIGTERM`) to the process, unless it has been reaped.
    public func signal(_ signal: Int32) {
        exitStatus.withLock { status in
            if status == nil { _ = Glibc.kill(pid, signal) }
        }
    }

    /// Waits until the process ends and returns how, polling every few milliseconds.
    /// - Throws: ``ServerProcessError`` if it is still running after `timeout` (default 60 s).
    public func waitForExit(timeout: Duration = .seconds(60)) async throws -> ExitStatus {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = try reap() { return status }
            guard ContinuousClock.now < deadline else {
                throw ServerProcessError("\(executable) still runs after \(timeout); standard error:\n\(standardError)")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits until both output streams have ended, so that ``standardError`` and
    /// ``standardOutput`` are complete; call after the process has exited.
    /// - Returns: Whether they ended within `timeout` (default 10 s).
    public func waitForOutputToEnd(timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !outputEnded, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return outputEnded
    }

    /// Reaps the process if it has ended, without blocking.
    private func reap() throws -> ExitStatus? {
        try exitStatus.withLock { status throws(ServerProcessError) -> ExitStatus? in
            if let status { return status }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            if result == 0 || (result < 0 && errno == EINTR) { return nil }
            guard result == pid else { throw ServerProcessError("waitpid(\(pid)) failed: errno \(errno)") }
            let signal = raw & 0x7F
            status = signal == 0 ? .exited((raw >> 8) & 0xFF) : .signaled(signal)
            return status
        }
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}

/// Why a ``ServerProcess`` could not do what was asked, with what it had to say.
public struct ServerProcessError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, with the process's standard error where it helps.
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) {
        self.description = description
    }
}
