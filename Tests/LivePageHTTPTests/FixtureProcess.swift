#if canImport(Glibc)
    import Glibc
#endif

/// The `HTTPTestServer` fixture running as a child process, so its descriptors, CPU time and
/// memory are its own.
///
/// `@unchecked Sendable`: its only mutable state, the stdout buffer, is used by one thread at
/// a time (the test hands it to `BlockingThread.run` and awaits).
final class FixtureProcess: @unchecked Sendable {
    let pid: pid_t
    private(set) var port = 0
    private let output: Int32
    private var buffer: [UInt8] = []

    /// The fixture executable, built next to the test bundle.
    static var executablePath: String {
        var path = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &path, path.count - 1)
        let executable = String(decoding: path[0..<max(0, length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let directory = executable.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(
            separator: "/")
        return directory + "/HTTPTestServer"
    }

    /// Starts the fixture and waits for its `PORT` line.
    init(arguments: [String]) throws {
        // Close-on-exec from the start (a socket pair: Glibc's pipe2 is not visible to Swift),
        // so that no child another test spawns meanwhile inherits an end and holds the
        // stream open.
        var pipeFDs: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &pipeFDs) == 0 else {
            throw TestClientError(description: "socketpair: errno \(errno)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        let path = Self.executablePath
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, path, &actions, nil, argv, nil)
        Glibc.close(pipeFDs[1])
        guard result == 0 else {
            Glibc.close(pipeFDs[0])
            throw TestClientError(description: "posix_spawn \(path): errno \(result)")
        }
        pid = child
        output = pipeFDs[0]
        let line = try readLine()
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
            throw TestClientError(description: "the fixture said \(line.debugDescription)")
        }
        self.port = port
    }

    deinit {
        Glibc.close(output)
        if waitpid(pid, nil, WNOHANG) == 0 {
            kill(pid, SIGKILL)
            waitpid(pid, nil, 0)
        }
    }

    /// Reads one line of the fixture's standard output (blocking).
    func readLine() throws -> String {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                defer { buffer.removeFirst(newline + 1) }
                return String(decoding: buffer[0..<newline], as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 256)
            let count = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            guard count > 0 else { throw TestClientError(description: "the fixture closed its output") }
            buffer.append(contentsOf: chunk[0..<count])
        }
    }

    /// Sends `signal` to the fixture.
    func send(signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for the fixture to exit (blocking) and returns its exit status, or -1 if killed.
    func waitForExit() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : -1
    }

    /// User plus system CPU time used so far, in seconds, from /proc/PID/stat.
    func cpuSeconds() -> Double {
        let fd = open("/proc/\(pid)/stat", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { Glibc.close(fd) }
        var bytes = [UInt8](repeating: 0, count: 1024)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        let text = String(decoding: bytes[0..<max(0, count)], as: UTF8.self)
        // Fields after the ")" that ends the command name: state is field 3, utime 14, stime 15.
        guard let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The resident set size in KiB, from /proc/PID/status.
    func residentKiB() -> Int {
        let fd = open("/proc/\(pid)/status", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { Glibc.close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        let text = String(decoding: bytes[0..<max(0, count)], as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}

/// Raises this process's descriptor limit to its hard limit.
func raiseDescriptorLimit() {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}
