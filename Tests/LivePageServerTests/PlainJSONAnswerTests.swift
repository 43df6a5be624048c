import LivePageEvents
import LivePageServer
import LivePageTestSupport
import LivePageTesting
import Testing

/// JSON answers read as written: the 401 of a publish without a key said
/// `'Authorization: Bearer \u003ckey\u003e'`, escaped as if the body were inline script.
/// JSON the server writes into HTML stays escaped.
@Suite(.timeLimit(.minutes(2)))
struct PlainJSONAnswerTests {
    @Test func theUnauthorizedPublishSaysBearerKeyAsWritten() async throws {
        try await withInProcessServer(["--publish-key", String(repeating: "k", count: 20)]) { server in
            let answer = try await server.postJSON("/livepage/publish", #"{"to": {"all": true}, "events": [{"verb": "remove", "id": "a"}]}"#)
            expectError(answer, 401, mentioning: ["'Authorization: Bearer <key>'"])
            #expect(answer.text.contains("Bearer <key>"), "\(answer.text)")
            #expect(!answer.text.contains(#"\u003c"#), "\(answer.text)")
        }
    }

    @Test func registrationAnswersCarryPrincipalsAsWritten() async throws {
        try await withInProcessServer { server in
            let answer = try await server.postJSON("/livepage/clients", #"{"location": "/a&b", "principal": "<alice>"}"#)
            #expect(answer.status == 201, "\(answer)")
            #expect(answer.text.contains(#""principal":"<alice>""#) && answer.text.contains(#""location":"/a&b""#), "\(answer.text)")
            #expect(try answer.json().string("principal") == "<alice>")
        }
    }

    @Test func jsonWrittenIntoAPageStaysEscaped() async throws {
        try await withInProcessServer { server in
            let page = try server.routes.server.openPage(at: "</script><script>alert(1)</script>", principal: nil)
            #expect(!page.scriptTags.contains("</script><script>alert(1)"), "\(page.scriptTags)")
            #expect(page.scriptTags.contains(#"\u003c/script\u003e"#), "\(page.scriptTags)")
        }
    }
}
