import Glibc
import Synchronization

/// A program that the Swift toolchain does not ship and some tests run: nginx,
/// redis-server, Chromium and its driver, python3 (with Selenium and pytest for the
/// browser suite), curl.
///
/// A test or suite that needs one says so with the ``Testing/Trait/requires(_:)`` trait,
/// and runs the program from the path found here, never from a fixed one:
///
/// ```swift
/// @Suite(.requires(.nginx)) struct NginxTests {
///     @Test func proxies() async throws {
///         let nginx = try ExternalTool.nginx.executable()
///         ...
/// ```
///
/// Where a tool is missing, `swift test` skips what needs it with one line naming the tool
/// and how to install it, so that it passes on a fresh machine; with
/// `LIVEPAGE_REQUIRE_TOOLS=1` in the environment (`.ci/run` sets it) the skip is a failure
/// instead, so that CI runs everything.
///
/// Tools are looked up in the directories of `LIVEPAGE_TOOLS_PATH` when it is set (the
/// tests' own switch: `LIVEPAGE_TOOLS_PATH=/nowhere swift test` shows what a machine
/// without any of them does), and otherwise in `PATH` followed by `/usr/local/sbin`,
/// `/usr/sbin` and `/sbin`, where Debian puts nginx and which a user's `PATH` often lacks.
public struct ExternalTool: Sendable, CustomStringConvertible {
    private enum Check: Sendable {
        /// An executable of this name in one of the searched directories.
        case executable(String)
        /// `python3`, found as an executable, imports these modules.
        case pythonModules([String])
    }

    /// What the skip line names: `nginx`, or `Python modules selenium and pytest`.
    public let description: String
    /// The command that installs it on Debian, e.g. `apt-get install nginx-light`.
    public let installation: String
    private let check: Check

    /// nginx, for the README's configurations and the cluster's front.
    public static let nginx = ExternalTool("nginx", installation: "apt-get install nginx-light", .executable("nginx"))
    /// Redis, for the Redis client's tests and the cluster.
    public static let redisServer = ExternalTool(
        "redis-server", installation: "apt-get install redis-server", .executable("redis-server"))
    /// Redis's command-line client (Debian's `redis-tools`, which `redis-server` pulls in).
    public static let redisCLI = ExternalTool(
        "redis-cli", installation: "apt-get install redis-server", .executable("redis-cli"))
    /// Chromium, driven by the browser suite.
    public static let chromium = ExternalTool("chromium", installation: "apt-get install chromium", .executable("chromium"))
    /// Chromium's WebDriver.
    public static let chromedriver = ExternalTool(
        "chromedriver", installation: "apt-get install chromium-driver", .executable("chromedriver"))
    /// Python 3, for the README's Python example and the browser suite.
    public static let python3 = ExternalTool("python3", installation: "apt-get install python3", .executable("python3"))
    /// curl, for the README's curl example.
    public static let curl = ExternalTool("curl", installation: "apt-get install curl", .executable("curl"))
    /// Selenium and pytest in `python3`, for the browser suite. Its ``executable()`` is the
    /// `python3` that imports them.
    public static let seleniumAndPytest = ExternalTool(
        "Python modules selenium and pytest", installation: "python3 -m pip install selenium pytest",
        .pythonModules(["selenium", "pytest"]))

    /// pytest in `python3`, for the Python package's tests (`python/tests`).
    public static let pytest = ExternalTool(
        "Python module pytest", installation: "python3 -m pip install pytest", .pythonModules(["pytest"]))

    private init(_ description: String, installation: String, _ check: Check) {
        self.description = description
        self.installation = installation
        self.check = check
    }

    /// Whether a missing tool fails the tests that need it instead of skipping them:
    /// `LIVEPAGE_REQUIRE_TOOLS` is set to anything but empty or `0`.
    public static var areRequired: Bool {
        guard let value = getenv("LIVEPAGE_REQUIRE_TOOLS").map({ String(cString: $0) }) else { return false }
        return !value.isEmpty && value != "0"
    }

    /// The one line a skip or a failure says: `nginx not installed: apt-get install nginx-light`.
    public var missingLine: String { "\(description) not installed: \(installation)" }

    /// The path of the program to run: the executable, or for Python modules the
    /// `python3` to run them with (whether it imports them is the trait's check).
    /// - Throws: ``MissingToolError`` when it is not found.
    public func executable() throws -> String {
        guard let path = Self.find(programName) else { throw MissingToolError(tool: self) }
        return path
    }

    /// Whether the tool is installed. Python modules are checked by running `python3`
    /// once per test process.
    public var isInstalled: Bool {
        get async {
            guard let python = Self.find(programName) else { return false }
            guard case .pythonModules(let modules) = check else { return true }
            return await Self.imports(modules, python: python)
        }
    }

    /// Whether the tool's program is found, without running anything: the whole check for
    /// an executable, the first half of it for Python modules.
    var programIsFound: Bool { Self.find(programName) != nil }

    private var programName: String {
        switch check {
        case .executable(let name): name
        case .pythonModules: "python3"
        }
    }

    /// The directories searched, in order.
    static var searchPath: [String] {
        if let tools = getenv("LIVEPAGE_TOOLS_PATH") {
            return String(cString: tools).split(separator: ":").map(String.init)
        }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map(String.init) + ["/usr/local/sbin", "/usr/sbin", "/sbin"]
    }

    /// The first executable file `name` in ``searchPath``.
    static func find(_ name: String) -> String? {
        for directory in searchPath where directory.hasPrefix("/") {
            let candidate = directory + "/" + name
            var status = stat()
            if access(candidate, X_OK) == 0, stat(candidate, &status) == 0, status.st_mode & S_IFMT == S_IFREG {
                return candidate
            }
        }
        return nil
    }

    /// The answers of `python3 -c "import ..."`, one run per interpreter and module list.
    private static let importChecks = Mutex<[String: Task<Bool, Never>]>([:])

    private static func imports(_ modules: [String], python: String) async -> Bool {
        let key = python + " " + modules.joined(separator: ",")
        let check = importChecks.withLock { checks in
            if let running = checks[key] { return running }
            let started = Task {
                guard
                    let process = try? ServerProcess(
                        executable: python, arguments: ["-c", "import " + modules.joined(separator: ", ")])
                else { return false }
                let status = try? await process.waitForExit(timeout: .seconds(60))
                _ = await process.waitForOutputToEnd()
                return status == .exited(0)
            }
            checks[key] = started
            return started
        }
        return await check.value
    }
}

/// A tool a test needs is not installed; says which, and how to install it.
public struct MissingToolError: Error, Sendable, CustomStringConvertible {
    /// The missing tool.
    public let tool: ExternalTool

    /// `nginx not installed: apt-get install nginx-light`, and why this is a failure
    /// rather than a skip when `LIVEPAGE_REQUIRE_TOOLS` is set.
    public var description: String {
        tool.missingLine + (ExternalTool.areRequired ? " (a failure, not a skip: LIVEPAGE_REQUIRE_TOOLS is set)" : "")
    }
}
