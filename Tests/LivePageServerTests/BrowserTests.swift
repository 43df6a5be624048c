import LivePageTestSupport
import Testing

/// The browser suite of `Tests/Browser` (pytest driving headless Chromium through
/// Selenium) run as part of `swift test`, against the `livepage-server` built next to
/// this test bundle: `livepage.js` and the demo in a real browser, on a real server.
///
/// Needs `python3` with `pytest` and `selenium`, Chromium and chromedriver (`.ci/run`
/// installs them); skipped where one is missing (``ExternalTool``). pytest's output is
/// printed when it ends, and is the failure message.
///
/// The suite mostly waits (for servers to restart, backoffs to grow), so it runs as
/// ``shards`` pytest processes side by side, each a share of its files (conftest.py's
/// `LIVEPAGE_BROWSER_SHARD`); together they run every test once.
@Suite struct BrowserTests {
    /// How many pytest processes share the suite.
    static let shards = 3

    @Test(.timeLimit(.minutes(20)), .requires(.python3, .chromium, .chromedriver, .seleniumAndPytest), arguments: 1...shards)
    func browserSuitePasses(shard: Int) async throws {
        try await runPytestSuite(
            "Tests/Browser", with: .seleniumAndPytest, timeout: .seconds(19 * 60),
            name: "shard \(shard) of \(Self.shards) of the browser suite",
            environment: ["LIVEPAGE_BROWSER_SHARD": "\(shard)/\(Self.shards)"])
    }
}
