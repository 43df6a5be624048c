import Foundation
import LivePageEvents
import LivePageTestSupport
import Testing

/// The README's publishing examples, curl and Python's urllib, run as written against a
/// real server (only its port changed): each reaches a page at `/board`. Each is skipped
/// where its program is missing (``ExternalTool``).
@Suite(.timeLimit(.minutes(2)))
struct ReadmePublishTests {
    /// The fenced block after the README marker `<!-- name:`.
    static func block(_ name: String, fence: String) throws -> String {
        let readme = try String(contentsOfFile: ReadmeExampleTests.packageRoot + "/README.md", encoding: .utf8)
        let marker = try #require(readme.firstRange(of: "<!-- \(name):"))
        let rest = readme[marker.upperBound...]
        let open = try #require(rest.firstRange(of: "```\(fence)\n"))
        let close = try #require(rest[open.upperBound...].firstRange(of: "```"))
        return String(rest[open.upperBound..<close.lowerBound])
    }

    /// Runs `program` with `arguments` and the publish key in the environment; returns
    /// its standard output once it exits 0.
    static func run(_ program: String, _ arguments: [String]) async throws -> String {
        let process = try ServerProcess(
            executable: program, arguments: arguments, environment: ["LIVEPAGE_PUBLISH_KEY": publishKey]
        )
        let status = try await process.waitForExit()
        #expect(status == .exited(0), "\(process.standardError)")
        _ = await process.waitForOutputToEnd()
        return process.standardOutput
    }

    @Test(.requires(.curl)) func theCurlCommandUpdatesTheBoard() async throws {
        try await withServer(publishing) { server in
            let board = try server.registerClient(at: "/board")
            let command = try Self.block("publish-curl", fence: "sh").replacing("127.0.0.1:8080", with: "127.0.0.1:\(server.port)")
            let output = try await Self.run("/bin/sh", ["-c", command])
            #expect(output.contains(#""delivered":2"#), "\(output)")
            let events = try server.events(board)
            #expect(events.map { $0["verb"]?.stringValue } == ["update", "text"])
        }
    }

    @Test(.requires(.python3)) func thePythonExampleUpdatesTheBoard() async throws {
        try await withServer(publishing) { server in
            let board = try server.registerClient(at: "/board")
            let script = try Self.block("publish-python", fence: "python").replacing("127.0.0.1:8080", with: "127.0.0.1:\(server.port)")
            let output = try await Self.run(try ExternalTool.python3.executable(), ["-c", script])
            #expect(output.contains(#""delivered":1"#), "\(output)")
            #expect(try server.events(board).first?["html"]?.stringValue == "<li>build 7 passed</li>")
        }
    }
}
