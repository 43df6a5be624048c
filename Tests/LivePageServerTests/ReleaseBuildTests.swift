import Glibc
import LivePageServer
import LivePageTestSupport
import Testing

/// `scripts/build-release.sh`: a release build of `livepage-server` that runs on a Linux
/// machine without a Swift toolchain, for a Python or Ruby developer who will never
/// install one. Builds it (in `.build-release`, at low priority, so that the timing-bound
/// suites running beside it keep the CPU), unpacks the archive, and runs the binary with
/// no library path and no toolchain on `PATH`.
@Suite(.timeLimit(.minutes(15)))
struct ReleaseBuildTests {
    /// Runs `script` with `/bin/sh` in the package root until it exits; `$1` is `argument`.
    static func shell(_ script: String, _ argument: String = "", environment: [String: String] = [:]) async throws -> ServerProcess {
        let process = try ServerProcess(
            executable: "/bin/sh", arguments: ["-c", script, "sh", argument], environment: environment,
            workingDirectory: ReadmeExampleTests.packageRoot
        )
        _ = try await process.waitForExit(timeout: .seconds(14 * 60))
        _ = await process.waitForOutputToEnd()
        return process
    }

    @Test func theReleaseArchiveRunsTheDemoWithoutTheSwiftRuntime() async throws {
        var template = Array("/tmp/livepage-release-XXXXXX".utf8CString)
        let directory = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        do {
            try await Self.buildUnpackAndRun(in: directory)
        } catch {
            _ = try? await Self.shell(#"rm -rf "$1""#, directory)
            throw error
        }
        _ = try await Self.shell(#"rm -rf "$1""#, directory)
    }

    /// Builds the archive into `directory`/dist, checks and unpacks it, and runs its binary.
    static func buildUnpackAndRun(in directory: String) async throws {
        let build = try await shell(#"exec nice -n 10 scripts/build-release.sh "$1""#, directory + "/dist")
        try #require(try await build.waitForExit() == .exited(0), "the script failed:\n\(build.standardError.suffix(3000))")
        let name = "livepage-server-\(LivePageServer.version)-linux-\(try machine())"
        #expect(build.standardOutput.hasSuffix("/dist/\(name).tar.gz\n"), "\(build.standardOutput)")

        let check = try await shell(#"cd "$1" && sha256sum -c \#(name).tar.gz.sha256 && tar -xzf \#(name).tar.gz"#, directory + "/dist")
        try #require(try await check.waitForExit() == .exited(0), "checksum or archive: \(check.standardOutput) \(check.standardError)")
        let folder = directory + "/dist/" + name
        for file in ["livepage-server", "LICENSE", "README.md"] {
            #expect(access(folder + "/" + file, R_OK) == 0, "\(file) is not in the archive")
        }
        let binary = folder + "/livepage-server"

        let ldd = try await shell(#"exec ldd "$1""#, binary)
        #expect(try await ldd.waitForExit() == .exited(0), "\(ldd.standardError)")
        #expect(ldd.standardOutput.contains("libc.so"), "\(ldd.standardOutput)")
        for library in ["libswift", "libFoundation", "libdispatch", "libBlocksRuntime", "not found"] {
            #expect(!ldd.standardOutput.contains(library), "the binary needs \(library):\n\(ldd.standardOutput)")
        }

        let withoutToolchain = ["LD_LIBRARY_PATH": "", "PATH": "/usr/bin:/bin"]
        let version = try ServerProcess(executable: binary, arguments: ["--version"], environment: withoutToolchain)
        #expect(try await version.waitForExit() == .exited(0))
        _ = await version.waitForOutputToEnd()
        #expect(version.standardOutput.hasPrefix("livepage-server \(LivePageServer.version) "), "\(version.standardOutput)")

        let server = try await ServerProcess.start(
            executable: binary, arguments: ["--port", "0", "--shutdown-grace", "1"], environment: withoutToolchain,
            removingPrefixes: ["LIVEPAGE_"]
        )
        let client = try TestHTTPClient(port: server.port)
        let welcome = try client.get("/")
        #expect(welcome.status == 200 && welcome.text.contains("LivePage demo"), "\(welcome)")
        let script = try client.get("/livepage/livepage.js")
        #expect(script.status == 200 && script.text.contains("global.LivePage = {"), "\(script.status)")
        server.signal(SIGTERM)
        #expect(try await server.waitForExit() == .exited(0), "\(server.standardError)")
    }

    /// The README tells a developer without Swift how to get and run the archive of this
    /// version: the commands the test above runs.
    @Test func theReadmeNamesTheArchiveOfThisVersion() throws {
        let readme = try LicenseAndPlatformsTests.file("README.md")
        let name = "livepage-server-\(LivePageServer.version)-linux-x86_64"
        for line in [
            "scripts/build-release.sh", "sha256sum -c \(name).tar.gz.sha256", "tar -xzf \(name).tar.gz", "./\(name)/livepage-server",
        ] {
            #expect(readme.prefix(4000).contains(line), "the top of the README does not say \(line)")
        }
    }

    /// `uname -m`: the architecture the archive is named after.
    static func machine() throws -> String {
        var names = utsname()
        uname(&names)
        return withUnsafeBytes(of: names.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
