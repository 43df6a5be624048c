import LivePageTestSupport
import Testing

/// Runs a pytest suite of this repository against the `livepage-server` built next to this
/// test bundle, prints pytest's output when it ends, and expects it to pass; pytest's
/// output is the failure message.
/// - Parameters:
///   - folder: The tests, relative to the package root (`Tests/Browser`, `python/tests`).
///   - python: The tool whose Python runs pytest (one that has the modules the suite needs).
///   - timeout: How long pytest may run.
///   - name: What the suite is, for the failure message.
///   - environment: More variables for pytest (a shard to run).
func runPytestSuite(
    _ folder: String, with python: ExternalTool, timeout: Duration, name: String,
    environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let server = try ServerProcess.siblingExecutable(named: "livepage-server")
    let pytest = try ServerProcess(
        executable: try python.executable(),
        arguments: ["-m", "pytest", "-q", "-p", "no:cacheprovider", folder],
        environment: ["LIVEPAGE_SERVER": server, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"]
            .merging(environment) { _, given in given },
        workingDirectory: ReadmeExampleTests.packageRoot
    )
    let status = try await pytest.waitForExit(timeout: timeout)
    _ = await pytest.waitForOutputToEnd()
    let output = pytest.standardOutput + pytest.standardError
    print(output)
    #expect(status == .exited(0), "\(name) failed (pytest \(status)):\n\(output)", sourceLocation: sourceLocation)
}
