import LivePageTestSupport
import Testing

/// The webhook flags of `livepage-server`: listed by `--help`, refused with one line
/// when they cannot work, announced at start.
@Suite struct BackendCommandTests {
    static let secret = "backend-command-tests-secret-0123456789"

    @Test(.timeLimit(.minutes(1)))
    func helpListsTheWebhookFlagsWithTheirVariables() async throws {
        let help = try await CommandTests.run(["--help"]).standardOutput
        for flag in ["input-webhook", "presence-webhook", "webhook-secret", "webhook-timeout", "webhook-concurrency", "webhook-queue", "input-verb"] {
            let entry = CommandTests.entry(of: flag, in: help)
            let variable = "LIVEPAGE_" + flag.uppercased().replacing("-", with: "_")
            #expect(entry.first?.contains("[\(variable)]") == true, "--\(flag): \(entry)")
        }
    }

    @Test(
        .timeLimit(.minutes(1)),
        arguments: [
            (["--input-webhook", "http://127.0.0.1:9/in"], ["--webhook-secret", "required"]),
            (["--presence-webhook", "http://127.0.0.1:9/p", "--webhook-secret", "short"], ["--webhook-secret", "32 bytes"]),
            (["--input-webhook", "https://backend.example/in", "--webhook-secret", secret], ["--input-webhook", "http://", "TLS"]),
            (["--input-webhook", "http://user@127.0.0.1/in", "--webhook-secret", secret], ["--input-webhook"]),
            (["--input-verb", "append"], ["--input-verb", "built-in"]),
            (["--input-verb", "no spaces"], ["--input-verb"]),
            (["--webhook-concurrency", "0"], ["--webhook-concurrency"]),
        ])
    func aWebhookSettingThatCannotWorkIsOneLineAndExitCode2(arguments: [String], words: [String]) async throws {
        let process = try await CommandTests.run(arguments)
        try await CommandTests.expectRefusal(process, mentioning: words, hiding: [Self.secret, "short"])
    }

    @Test(.timeLimit(.minutes(1)))
    func theWebhooksComeFromTheEnvironmentAndAreAnnouncedAtStart() async throws {
        let server = try await LiveServer.start(
            [],
            environment: [
                "LIVEPAGE_INPUT_WEBHOOK": "http://127.0.0.1:9/input", "LIVEPAGE_PRESENCE_WEBHOOK": "http://localhost:9/presence",
                "LIVEPAGE_WEBHOOK_SECRET": Self.secret, "LIVEPAGE_INPUT_VERB": "wave,cheer",
            ])
        try await runThenStop(server, sourceLocation: #_sourceLocation) { server in
            #expect(server.process.standardError.contains("every page input is POSTed to http://127.0.0.1:9/input"))
            #expect(server.process.standardError.contains("joins and leaves are POSTed to http://localhost:9/presence"))
            #expect(!server.process.standardError.contains(Self.secret))
            let id = try server.registerClient()
            // The backend is down: the input is answered 502, and nothing is delivered.
            let response = try server.input(id, json: #"{"verb": "wave"}"#)
            #expect(response.status == 502, "\(response)")
        }
    }
}
