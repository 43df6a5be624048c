import Foundation
import Glibc
import LivePage
import LivePageEvents
import LivePageTestSupport
import Testing

/// The README's nginx configuration, run with a real nginx from Debian's packages in
/// front of a real `livepage-server`: long-polls pass through, parked and idle alike.
/// The tests that run nginx are skipped, with a line saying how to install it, where it
/// is missing (``ExternalTool``).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct NginxTests {
    /// The nginx block between the README's `nginx-config` marker and the end of its fence.
    static func readmeConfiguration() throws -> String {
        let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        let afterMarker = try #require(readme.firstRange(of: "<!-- nginx-config").map { readme[$0.upperBound...] })
        let fenceStart = try #require(afterMarker.firstRange(of: "```nginx\n"))
        let body = afterMarker[fenceStart.upperBound...]
        let fenceEnd = try #require(body.firstRange(of: "```"))
        return String(body[..<fenceEnd.lowerBound])
    }

    /// The package's root folder, two above this file's.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Starts nginx with the README's block, pointed at `upstreamPort` and listening on a
    /// free port, in a folder of its own; returns the process and its port. One process,
    /// no workers (`master_process off`), so that stopping it leaves no orphan behind.
    static func startNginx(upstreamPort: Int) async throws -> (ServerProcess, Int) {
        let nginx = try ExternalTool.nginx.executable()
        let port = try LoopbackSocket.freePort()
        let folder = "/tmp/livepage-nginx-test-\(getpid())-\(port)"
        mkdir(folder, 0o700)
        let block = try readmeConfiguration()
            .replacing("server 127.0.0.1:8080;", with: "server 127.0.0.1:\(upstreamPort);")
        let configuration = try NginxFront.configuration(around: block, port: port, folder: folder, singleProcess: true)
        try configuration.write(toFile: folder + "/nginx.conf", atomically: true, encoding: .utf8)
        let process = try ServerProcess(executable: nginx, arguments: ["-p", folder, "-c", folder + "/nginx.conf"])
        let listening = await eventually { (try? TestHTTPClient(port: port)) != nil }
        try #require(listening, "nginx did not start: \(process.standardError)")
        return (process, port)
    }

    @Test(.requires(.nginx)) func aParkedPollIsAnsweredThroughNginxTheMomentAnEventIsPublished() async throws {
        try await withServer(publishing) { server in
            let (nginx, port) = try await Self.startNginx(upstreamPort: server.port)
            defer { nginx.signal(SIGQUIT) }
            let proxy = try TestHTTPClient(port: port)
            let registered = try proxy.post("/livepage/clients", headers: [("Content-Type", "application/json")], body: #"{"location": "/news"}"#)
            #expect(registered.status == 201, "\(registered)")
            let id = try #require(try registered.json()["client"]?.stringValue)

            try proxy.send(TestHTTPRequest("GET", "/livepage/clients/\(id)/output?after=0", headers: [("Host", "localhost")]))
            #expect(try await server.waitForMetric("livepage_parked_requests", toBe: 1))
            #expect(try !proxy.hasDataAvailable(), "the poll was answered before anything was published")

            let delivered = try server.deliver(#"[{"verb":"append","id":"log","html":"<p>via nginx</p>"}]"#, to: #"{"location":"/news"}"#)
            #expect(delivered == 1)
            let answer = try proxy.readResponse()
            #expect(answer.status == 200, "\(answer)")
            #expect(try answer.events().first?["html"]?.stringValue == "<p>via nginx</p>")
        }
    }

    /// With the default refresh of 25 s, a parked poll stays parked up to 25 s: nginx must
    /// wait longer than that for the answer, or it answers `504` instead.
    @Test func theReadmeWaitsLongerThanTheDefaultRefreshAndDoesNotBuffer() throws {
        let block = try Self.readmeConfiguration()
        let timeout = try #require(block.firstMatch(of: /proxy_read_timeout\s+(\d+)s;/).flatMap { Int($0.1) })
        #expect(timeout > Int(ClientManager.Configuration().refresh.components.seconds))
        #expect(block.contains("proxy_buffering off;"))
    }

    @Test(.requires(.nginx)) func anIdlePollPassesThroughNginxWithoutATimeout() async throws {
        try await withServer(["--refresh", "1"]) { server in
            let (nginx, port) = try await Self.startNginx(upstreamPort: server.port)
            defer { nginx.signal(SIGQUIT) }
            let proxy = try TestHTTPClient(port: port)
            let registered = try proxy.post("/livepage/clients", headers: [("Content-Type", "application/json")], body: #"{"location": "/quiet"}"#)
            let id = try #require(try registered.json()["client"]?.stringValue)
            for _ in 0..<2 {
                let idle = try proxy.get("/livepage/clients/\(id)/output?after=0")
                #expect(idle.status == 200, "\(idle)")
                #expect(idle.text == #"{"events":[]}"#)
            }
        }
    }
}
