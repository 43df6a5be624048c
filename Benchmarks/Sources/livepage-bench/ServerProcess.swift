import CBenchSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A `livepage-server` this run started: on a free loopback port (`--port 0`), with a
/// publish key, its output in a log file, and told to die with the benchmark.
final class ServerProcess {
    let pid: Int32
    /// The port it reported in its "listening on" line.
    let port: Int
    /// Where its standard output and error go.
    let logPath: String
    private var exited = false

    private init(pid: Int32, port: Int, logPath: String) {
        self.pid = pid
        self.port = port
        self.logPath = logPath
    }

    /// Starts the server and waits (at most 15 s) until it says where it listens.
    /// - Parameters:
    ///   - path: The `livepage-server` binary.
    ///   - host: The loopback address to listen on.
    ///   - publishKey: Its publish key.
    ///   - extraArguments: More of its flags, after the benchmark's own.
    ///   - logPath: Where its output goes (truncated first).
    /// - Throws: `BenchError` if the binary is missing, exits, or never says it listens.
    static func start(
        path: String, host: String, publishKey: String, extraArguments: [String], logPath: String
    ) throws(BenchError) -> ServerProcess {
        guard access(path, X_OK) == 0 else {
            throw .fatal(
                "no livepage-server at \(path): build it with `swift build -c release` in the package root, "
                    + "or pass --server PATH")
        }
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw .systemCall("open \(logPath)", errno: System.errno) }
        defer { close(log) }
        let arguments =
            [path, "--host", host, "--port", "0", "--publish-key", publishKey, "--no-demo"] + extraArguments
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        cArguments.append(nil)
        defer { for argument in cArguments { free(argument) } }
        let pid = cbench_spawn(path, cArguments, log)
        guard pid > 0 else { throw .systemCall("fork", errno: System.errno) }

        let deadline = System.now() + 15_000_000_000
        while System.now() < deadline {
            if let text = FileReading.text(atPath: logPath, limit: 65536), let port = listeningPort(in: text) {
                return ServerProcess(pid: pid, port: port, logPath: logPath)
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let log = FileReading.text(atPath: logPath, limit: 4096) ?? ""
                throw .fatal("livepage-server exited before listening (status \(status >> 8)): \(log)")
            }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, nil, 0)
        throw .fatal("livepage-server did not say where it listens within 15 s (see \(logPath))")
    }

    /// The port of the line `... listening on http://HOST:PORT/prefix/ ...`.
    static func listeningPort(in log: String) -> Int? {
        guard let marker = log.firstRange(of: "listening on http://") else { return nil }
        let rest = log[marker.upperBound...]
        guard let slash = rest.firstIndex(of: "/"), let colon = rest[..<slash].lastIndex(of: ":") else { return nil }
        return Int(rest[rest.index(after: colon)..<slash])
    }

    /// Asks the server to shut down (SIGTERM) and waits for it; after `timeout` seconds
    /// it is killed.
    /// - Returns: Its exit status (nil if it was killed or died of a signal) and how long
    ///   it took to stop, in seconds.
    @discardableResult
    func stop(timeout: Double) -> (exitStatus: Int32?, seconds: Double) {
        guard !exited else { return (nil, 0) }
        let start = System.now()
        kill(pid, SIGTERM)
        let deadline = start + UInt64(timeout * 1e9)
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result < 0 && System.errno != EINTR) { break }
            if System.now() >= deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                exited = true
                return (nil, Double(System.now() - start) / 1e9)
            }
            usleep(10_000)
        }
        exited = true
        let seconds = Double(System.now() - start) / 1e9
        // WIFEXITED / WEXITSTATUS, which Glibc does not export to Swift.
        return (status & 0x7f == 0 ? (status >> 8) & 0xff : nil, seconds)
    }

    deinit {
        if !exited {
            kill(pid, SIGKILL)
            _ = waitpid(pid, nil, 0)
        }
    }
}
