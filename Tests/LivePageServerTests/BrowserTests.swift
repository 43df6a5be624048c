import Dispatch
import Glibc
import Testing

/// The browser suite of `Tests/Browser` (pytest driving headless Chromium through
/// Selenium) run as part of `swift test`, against the `livepage-server` built next to
/// this test bundle: `livepage.js` and the demo in a real browser, on a real server.
///
/// Needs `python3` with `pytest` and `selenium`, Chromium and chromedriver (`.ci/run`
/// installs them). pytest's output is streamed as it runs, and is the failure message.
@Suite struct BrowserTests {
    @Test(.timeLimit(.minutes(20)))
    func browserSuitePasses() async throws {
        let server = BrowserSuite.directory(of: BrowserSuite.testExecutable) + "/livepage-server"
        try #require(access(server, X_OK) == 0, "livepage-server is not built next to the tests at \(server)")
        let (status, output) = try await BrowserSuite.runPytest(server: server)
        #expect(status == 0, "the browser suite failed (pytest exit status \(status)):\n\(output)")
    }
}

/// Running `python3 -m pytest -q Tests/Browser` from the package root.
private enum BrowserSuite {
    /// The package root: three folders up from this file.
    static let packageRoot = directory(of: directory(of: directory(of: #filePath)))

    /// This test process's executable, from `/proc/self/exe`.
    static var testExecutable: String {
        var path = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &path, path.count - 1)
        return String(decoding: path[0..<max(0, length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func directory(of path: String) -> String {
        String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    }

    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs pytest with `LIVEPAGE_SERVER` set, copying its output to standard output as
    /// it comes, on a thread of its own (the reads block).
    /// - Returns: pytest's exit status (-1 if killed by a signal) and its whole output.
    static func runPytest(server: String) async throws -> (status: Int32, output: String) {
        var environment: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            let variable = String(cString: pointer)
            if !variable.hasPrefix("LIVEPAGE_SERVER=") { environment.append(variable) }
            entry += 1
        }
        environment += ["LIVEPAGE_SERVER=" + server, "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"]
        // A shell changes to the package root, then execs pytest in its place.
        let arguments = ["/bin/sh", "-c", #"cd "$0" && exec python3 -m pytest -q -p no:cacheprovider Tests/Browser"#, packageRoot]
        let (pid, output) = try spawn(arguments, environment: environment)
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var collected: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { break }
                    collected += chunk[0..<count]
                    chunk.withUnsafeBytes { _ = write(1, $0.baseAddress, count) }
                }
                close(output)
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                let exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : -1
                continuation.resume(returning: (exitStatus, String(decoding: collected, as: UTF8.self)))
            }
        }
    }

    /// Starts `arguments` with standard output and error on one pipe, standard input on
    /// `/dev/null`, and signals unblocked and at their defaults (a test runner may have
    /// changed them, and the servers the suite starts rely on SIGTERM).
    private static func spawn(_ arguments: [String], environment: [String]) throws -> (pid: pid_t, output: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SpawnError(description: "pipe: errno \(errno)") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        close(fds[1])
        guard result == 0 else {
            close(fds[0])
            throw SpawnError(description: "posix_spawn \(arguments[0]): errno \(result)")
        }
        return (pid, fds[0])
    }
}
