import LivePageTestSupport
import Testing

/// The browser suite of `Tests/Browser` (pytest driving headless Chromium through
/// Selenium) run as part of `swift test`, against the `livepage-server` built next to
/// this test bundle: `livepage.js` and the demo in a real browser, on a real server.
///
/// Needs `python3` with `pytest` and `selenium`, Chromium and chromedriver (`.ci/run`
/// installs them); skipped where one is missing (``ExternalTool``). pytest's output is
/// printed when it ends, and is the failure message.
@Suite struct BrowserTests {
    @Test(.timeLimit(.minutes(20)), .requires(.python3, .chromium, .chromedriver, .seleniumAndPytest))
    func browserSuitePasses() async throws {
        try await runPytestSuite("Tests/Browser", with: .seleniumAndPytest, timeout: .seconds(19 * 60), name: "the browser suite")
    }
}
