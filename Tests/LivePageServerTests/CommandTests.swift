import Glibc
import LivePageServer
import LivePageTestSupport
import Testing

/// The `livepage-server` command: `--help` and `--version`, refused flags and values, a
/// port in use, and what it says at start.
@Suite struct CommandTests {
    /// Runs the command with `arguments` and `environment` until it exits.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> ServerProcess {
        let process = try ServerProcess(
            executable: try LiveServer.executable(), arguments: arguments, environment: environment, removingPrefixes: ["LIVEPAGE_"]
        )
        let status = try await process.waitForExit()
        _ = await process.waitForOutputToEnd()
        if status != .exited(2) && status != .exited(0) {
            Issue.record("unexpected \(status): \(process.standardError)")
        }
        return process
    }

    /// Expects the command to have refused to start with one line on standard error that
    /// mentions `words`, and exit code 2.
    static func expectRefusal(
        _ process: ServerProcess, mentioning words: [String], hiding secrets: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        #expect(try await process.waitForExit() == .exited(2), "\(process.standardError)", sourceLocation: sourceLocation)
        let lines = process.standardError.split(separator: "\n")
        #expect(lines.count == 1, "not one line: \(process.standardError)", sourceLocation: sourceLocation)
        #expect(process.standardError.hasPrefix("livepage-server: "), "\(process.standardError)", sourceLocation: sourceLocation)
        for word in words {
            #expect(process.standardError.contains(word), "\(process.standardError) does not mention \(word)", sourceLocation: sourceLocation)
        }
        for secret in secrets {
            #expect(!process.standardError.contains(secret), "the error shows a secret", sourceLocation: sourceLocation)
        }
        #expect(process.standardOutput.isEmpty, sourceLocation: sourceLocation)
    }

    /// Every setting of the command: the flags the issue and PROTOCOL.md's limits call
    /// for, and those of the process and of several servers.
    static let flags = [
        "host", "port", "prefix", "refresh", "grace", "publish-key", "admin-key", "token-secret", "allowed-origin", "public-origin",
        "max-header-size", "max-input-body", "max-publish-body", "header-timeout", "idle-timeout",
        "max-queued-events", "max-queued-bytes", "max-clients", "max-clients-per-principal", "max-locations",
        "max-batch-events", "max-batch-bytes", "presence-list-limit", "shutdown-grace", "event-loops",
        "coalescing-pause", "redis", "redis-password", "node-tag",
    ]

    /// The lines of `help` about `--flag`: its own line and the indented ones below it.
    static func entry(of flag: String, in help: String) -> [Substring] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("  --\(flag) ") || $0 == "  --\(flag)" }) else { return [] }
        let rest = lines[(start + 1)...].prefix { $0.hasPrefix("      ") }
        return [lines[start]] + rest
    }

    @Test(.timeLimit(.minutes(2)))
    func helpListsEveryFlagByTopicWithItsVariableAndDefault() async throws {
        let process = try await Self.run(["--help"])
        #expect(try await process.waitForExit() == .exited(0))
        let help = process.standardOutput
        #expect(help.hasPrefix("Usage: livepage-server"), "\(help)")
        for flag in Self.flags {
            let variable = "LIVEPAGE_" + flag.uppercased().replacing("-", with: "_")
            let entry = Self.entry(of: flag, in: help)
            #expect(!entry.isEmpty, "--help does not list --\(flag):\n\(help)")
            #expect(entry.first?.contains("[\(variable)]") == true, "--\(flag) without \(variable): \(entry)")
            #expect(entry.dropFirst().contains { $0.contains("default: ") }, "--\(flag) without its default: \(entry)")
        }
        #expect(Self.entry(of: "port", in: help).joined().contains("default: 8080"))
        #expect(Self.entry(of: "refresh", in: help).joined().contains("default: 25"))
        #expect(Self.entry(of: "coalescing-pause", in: help).contains { $0.hasSuffix("default: 250") })
        #expect(Self.entry(of: "token-secret", in: help).joined().contains("open mode"))
        for flag in ["help", "version", "no-demo", "print-nginx-config"] {
            #expect(!Self.entry(of: flag, in: help).isEmpty, "--help does not list --\(flag)")
        }
        let topics = help.split(separator: "\n").filter { !$0.hasPrefix(" ") && $0.hasSuffix(":") }
        #expect(topics.count >= 5, "not grouped by topic: \(topics)")
        #expect(help.split(separator: "\n").allSatisfy { $0.count <= 100 }, "a line too long for a terminal:\n\(help)")
        #expect(!process.standardError.contains("listening"))
    }

    /// `-h` is what a newcomer types first; it was "unexpected argument '-h'". Help also
    /// comes whatever else is wrong, a bad variable included.
    @Test(.timeLimit(.minutes(2)))
    func dashHIsHelpAndHelpWinsOverABadSetting() async throws {
        let help = try await Self.run(["--help"])
        for arguments in [["-h"], ["--port", "0", "-h"], ["--bogus", "--help"]] {
            let process = try await Self.run(arguments, environment: ["LIVEPAGE_PORT": "not-a-port"])
            #expect(try await process.waitForExit() == .exited(0), "\(arguments): \(process.standardError)")
            #expect(process.standardOutput == help.standardOutput, "\(arguments)")
            #expect(process.standardError.isEmpty, "\(arguments): \(process.standardError)")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func versionPrintsTheVersionAndExits0() async throws {
        let process = try await Self.run(["--version"], environment: ["LIVEPAGE_PORT": "not-a-port"])
        #expect(try await process.waitForExit() == .exited(0), "\(process.standardError)")
        #expect(process.standardOutput == "livepage-server \(LivePageServer.version) (LivePage protocol 1)\n")
        #expect(process.standardError.isEmpty)
        #expect(LivePageServer.version.split(separator: ".").count == 3 && LivePageServer.version.allSatisfy { $0.isNumber || $0 == "." })
        try await withServer { server throws in
            #expect(server.process.standardError.contains("(LivePage \(LivePageServer.version), protocol 1)"), "\(server.process.standardError)")
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aBadFlagOrValueIsOneLineAndExitCode2() async throws {
        let shortKey = "short-key"
        let shortSecret = "a secret under 32 bytes"
        let longKey = String(repeating: "k", count: 20)
        let cases: [(arguments: [String], mentions: [String])] = [
            (["--bogus"], ["--bogus"]),
            (["--port", "abc"], ["--port", "abc"]),
            (["--port", "70000"], ["--port"]),
            (["--port"], ["--port"]),
            (["--refresh", "0"], ["--refresh"]),
            (["--coalescing-pause", "-1"], ["--coalescing-pause", "0 to 100000"]),
            (["--refresh", "soon"], ["--refresh"]),
            (["--grace", "-1"], ["--grace"]),
            (["--max-clients", "0"], ["--max-clients"]),
            (["--max-batch-events", "1.5"], ["--max-batch-events"]),
            (["--publish-key", shortKey], ["--publish-key", "16"]),
            (["--publish-key", longKey + "1", "--publish-key", longKey + "2", "--publish-key", longKey + "3"], ["--publish-key"]),
            (["--token-secret", shortSecret], ["--token-secret", "32"]),
            (["--allowed-origin", "app.example"], ["--allowed-origin"]),
            (["--allowed-origin", "https://app.example/path"], ["--allowed-origin"]),
            (["--public-origin", "pages.example"], ["--public-origin"]),
            (["--prefix", "livepage/"], ["--prefix"]),
            (["--host", "not-an-address"], ["not-an-address"]),
            (["--no-demo=yes"], ["--no-demo"]),
            (["serve"], ["serve"]),
        ]
        for test in cases {
            let process = try await Self.run(["--port", "0"] + test.arguments)
            try await Self.expectRefusal(process, mentioning: test.mentions, hiding: [shortKey, shortSecret, longKey])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aPortInUseIsOneClearLineAndExitCode2() async throws {
        let occupied = try LoopbackSocket.bind(listening: 1)
        defer { close(occupied.fd) }
        let port = occupied.port
        let process = try await Self.run(["--port", String(port)])
        try await Self.expectRefusal(process, mentioning: [String(port), "in use"])

        let fromEnvironment = try await Self.run([], environment: ["LIVEPAGE_PORT": String(port)])
        try await Self.expectRefusal(fromEnvironment, mentioning: [String(port), "in use"])
        try await withServer(environment: ["LIVEPAGE_PORT": String(port)]) { server throws in
            #expect(server.port != port, "--port 0 overrides LIVEPAGE_PORT")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aBadEnvironmentVariableIsNamed() async throws {
        let process = try await Self.run(["--port", "0"], environment: ["LIVEPAGE_MAX_CLIENTS": "many"])
        try await Self.expectRefusal(process, mentioning: ["LIVEPAGE_MAX_CLIENTS"])
        let secret = try await Self.run(["--port", "0"], environment: ["LIVEPAGE_PUBLISH_KEY": "short"])
        try await Self.expectRefusal(secret, mentioning: ["LIVEPAGE_PUBLISH_KEY", "16"], hiding: ["short"])
        let origin = try await Self.run(["--port", "0"], environment: ["LIVEPAGE_PUBLIC_ORIGIN": "pages.example"])
        try await Self.expectRefusal(origin, mentioning: ["LIVEPAGE_PUBLIC_ORIGIN"])
        let flagWins = try await Self.run(["--port", "0", "--publish-key", "tiny"], environment: ["LIVEPAGE_PUBLISH_KEY": "short"])
        try await Self.expectRefusal(flagWins, mentioning: ["--publish-key"], hiding: ["tiny", "short"])
    }

    @Test(.timeLimit(.minutes(2)))
    func environmentVariablesApplyAndFlagsOverrideThem() async throws {
        let fromEnvironment = "environment-key-0123456789"
        try await withServer(environment: ["LIVEPAGE_PUBLISH_KEY": fromEnvironment, "LIVEPAGE_REFRESH": "3"]) { server throws in
            #expect(try server.publish(PublishTests.body, key: fromEnvironment).status == 200)
            #expect(try server.register(#"{"location": "/a"}"#).json().int("refresh") == 3)
        }
        try await withServer(publishing + ["--refresh", "4"], environment: ["LIVEPAGE_PUBLISH_KEY": fromEnvironment, "LIVEPAGE_REFRESH": "3"]) {
            server throws in
            expectError(try server.publish(PublishTests.body, key: fromEnvironment), 401)
            #expect(try server.publish(PublishTests.body).status == 200)
            #expect(try server.register(#"{"location": "/a"}"#).json().int("refresh") == 4)
        }
        let second = "second-environment-key-0123"
        try await withServer(environment: ["LIVEPAGE_PUBLISH_KEY": "\(fromEnvironment),\(second)"]) { server throws in
            #expect(try server.publish(PublishTests.body, key: fromEnvironment).status == 200)
            #expect(try server.publish(PublishTests.body, key: second).status == 200)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func thePrefixComesFromTheEnvironmentOrTheFlag() async throws {
        try await withServer(environment: ["LIVEPAGE_PREFIX": "/lp"]) { server throws in
            #expect(server.process.standardError.contains("/lp/"), "\(server.process.standardError)")
            #expect(try server.request("GET", "/lp/health").text == "ok")
            #expect(try server.request("POST", "/lp/clients", headers: [("Content-Type", "application/json")], body: #"{"location": "/a"}"#).status == 201)
            #expect(try server.request("GET", "/livepage/health").status == 404)
        }
        try await withServer(["--prefix", "/x/y"], environment: ["LIVEPAGE_PREFIX": "/lp"]) { server throws in
            #expect(try server.request("GET", "/x/y/health").text == "ok")
            #expect(try server.request("GET", "/lp/health").status == 404)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func openModeSaysAtStartThatPrincipalsAreNotAuthenticated() async throws {
        try await withServer { server throws in
            let log = server.process.standardError
            #expect(log.contains("listening on http://127.0.0.1:\(server.port)/livepage/"), "\(log)")
            #expect(log.contains("livepage: open mode: "), "\(log)")
            #expect(log.lowercased().contains("not authenticated"), "\(log)")
            #expect(!log.contains("token mode"), "\(log)")
        }
    }

    /// Token mode said nothing of its mode: a newcomer had to infer it from the missing
    /// open-mode line.
    @Test(.timeLimit(.minutes(2)))
    func tokenModeSaysSoAtStartAndNotThatPrincipalsAreUnauthenticated() async throws {
        try await withServer(environment: ["LIVEPAGE_TOKEN_SECRET": TokenRegistrationTests.secret]) { server throws in
            let log = server.process.standardError
            #expect(log.contains("listening on http://127.0.0.1:\(server.port)/livepage/"), "\(log)")
            #expect(log.contains("livepage: token mode: "), "\(log)")
            #expect(!log.contains("open mode"), "\(log)")
            #expect(!log.lowercased().contains("not authenticated"), "\(log)")
            #expect(!log.contains(TokenRegistrationTests.secret), "the log shows the secret")
            expectError(try server.register(#"{"location": "/a", "principal": "alice"}"#), 400, mentioning: ["token"])
        }
    }

    /// Whether this machine has an IPv6 loopback to listen on.
    static let hasIPv6Loopback: Bool = {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0 }
        }
    }()

    @Test(.timeLimit(.minutes(2)), .enabled(if: CommandTests.hasIPv6Loopback))
    func itListensOnIPv6() async throws {
        try await withServer(["--host", "::1"]) { server throws in
            let log = server.process.standardError
            #expect(log.contains("listening on http://[::1]:\(server.port)/livepage/"), "\(log)")
            let client = try TestHTTPClient(host: "::1", port: server.port)
            #expect(try client.get("/livepage/health").text == "ok")
            let registered = try client.post("/livepage/clients", headers: [("Content-Type", "application/json")], body: #"{"location": "/a"}"#)
            #expect(registered.status == 201, "keep-alive on IPv6: \(registered)")
        }
    }
}
