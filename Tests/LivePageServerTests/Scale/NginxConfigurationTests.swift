import Foundation
import Glibc
import LivePageTestSupport
import Testing

extension Scale {
    /// `livepage-server --print-nginx-config`: what it prints is a configuration nginx
    /// accepts, and the one docs/CLUSTER.md shows; a bad node list is one line and exit code 2.
    @Suite(.timeLimit(.minutes(3)))
    struct NginxConfigurationTests {
        /// The nodes of docs/CLUSTER.md's example.
        static let documentedNodes = "1=10.0.0.11:8080,2=10.0.0.12:8080,3=10.0.0.13:8080"

        /// docs/CLUSTER.md's command, its marker, and the nginx block after them.
        static func documentedSection() throws -> (command: String, block: String) {
            let document = try String(contentsOfFile: NginxTests.packageRoot + "/docs/CLUSTER.md", encoding: .utf8)
            let afterMarker = try #require(document.firstRange(of: "<!-- nginx-cluster-config").map { document[$0.upperBound...] })
            let commandStart = try #require(afterMarker.firstRange(of: "```sh\n"))
            let commandEnd = try #require(afterMarker[commandStart.upperBound...].firstRange(of: "```"))
            let command = afterMarker[commandStart.upperBound..<commandEnd.lowerBound]
            let fenceStart = try #require(afterMarker.firstRange(of: "```nginx\n"))
            let body = afterMarker[fenceStart.upperBound...]
            let fenceEnd = try #require(body.firstRange(of: "```"))
            return (String(command), String(body[..<fenceEnd.lowerBound]))
        }

        @Test func theDocumentShowsWhatTheCommandPrintsForItsThreeNodes() async throws {
            let (command, block) = try Self.documentedSection()
            #expect(command.contains("--print-nginx-config \(Self.documentedNodes)"), "\(command)")
            #expect(block == (try await NginxFront.printedConfiguration(for: Self.documentedNodes)))
        }

        @Test(.requires(.nginx)) func nginxAcceptsThePrintedConfiguration() async throws {
            let nginx = try ExternalTool.nginx.executable()
            for list in [Self.documentedNodes, "7=127.0.0.1:9001", "1=127.0.0.1:9001,2=[::1]:9002,255=localhost:9003"] {
                let block = try await NginxFront.printedConfiguration(for: list)
                let folder = NginxFront.makeFolder("check")
                defer { try? FileManager.default.removeItem(atPath: folder) }
                try NginxFront.configuration(around: block, port: 8080, folder: folder)
                    .write(toFile: folder + "/nginx.conf", atomically: true, encoding: .utf8)
                let check = try ServerProcess(executable: nginx, arguments: ["-t", "-p", folder, "-c", folder + "/nginx.conf"])
                let status = try await check.waitForExit()
                _ = await check.waitForOutputToEnd()
                #expect(status == .exited(0), "nginx -t refused the configuration for \(list):\n\(check.standardError)\n\(block)")
                #expect(check.standardError.contains("test is successful"), "\(check.standardError)")
            }
        }

        @Test(arguments: ["", "1", "1=", "=127.0.0.1:8081", "0=127.0.0.1:8081", "256=127.0.0.1:8081", "x=127.0.0.1:8081", "1=a:1,1=b:2"])
        func aBadNodeListIsOneLineAndExitCode2(list: String) async throws {
            let process = try await CommandTests.run(["--print-nginx-config", list])
            try await CommandTests.expectRefusal(process, mentioning: ["--print-nginx-config"])
        }
    }
}
