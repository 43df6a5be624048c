import LivePageTestSupport
import Testing

/// The Python package's tests (`python/tests`, pytest) run as part of `swift test`,
/// against the `livepage-server` built next to this test bundle: the package's helpers
/// (tokens, signatures, replays) and every outcome of the input webhook, backend
/// registration and the presence webhook, with a real server and a real backend
/// (Python's http.server) that the server's webhooks call.
///
/// Needs `python3` with `pytest` (`.ci/run` installs it); skipped where it is missing
/// (``ExternalTool``). pytest's output is printed when it ends, and is the failure message.
@Suite struct PythonPackageTests {
    @Test(.timeLimit(.minutes(10)), .requires(.python3, .pytest))
    func pythonPackageTestsPass() async throws {
        try await runPytestSuite("python/tests", with: .pytest, timeout: .seconds(9 * 60), name: "the Python package's tests")
    }
}
