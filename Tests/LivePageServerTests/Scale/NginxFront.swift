import Foundation
import Glibc
import LivePageTestSupport
import Testing

/// A real nginx in front of the cluster, configured with what
/// `livepage-server --print-nginx-config` prints for its nodes, in a folder of its own
/// under `/tmp` (its own pid file, error log and temporary paths).
final class NginxFront: Sendable {
    let process: ServerProcess
    /// The port it listens on.
    let port: Int
    /// Its folder, removed when it stops.
    let folder: String

    private init(process: ServerProcess, port: Int, folder: String) {
        (self.process, self.port, self.folder) = (process, port, folder)
    }

    /// What `livepage-server --print-nginx-config <list>` prints, run for real.
    static func printedConfiguration(for list: String) async throws -> String {
        let command = try ServerProcess(
            executable: try LiveServer.executable(), arguments: ["--print-nginx-config", list], removingPrefixes: ["LIVEPAGE_"]
        )
        let status = try await command.waitForExit()
        _ = await command.waitForOutputToEnd()
        try #require(status == .exited(0), "--print-nginx-config \(list): \(status) \(command.standardError)")
        return command.standardOutput
    }

    /// The node list of `--print-nginx-config` for `nodes`: `1=127.0.0.1:PORT,...`.
    static func nodeList(_ nodes: [ClusterNode]) -> String {
        nodes.map { "\($0.tag)=127.0.0.1:\($0.port)" }.joined(separator: ",")
    }

    /// A whole `nginx.conf` around `block` (the `http` contents of the command's output or
    /// the README), listening on the loopback `port`, with every path in `folder`.
    /// - Parameter singleProcess: No worker process (`master_process off`), so that a test
    ///   that only signals nginx on its way out leaves no orphan behind. Default `false`:
    ///   a master and one worker, as nginx runs in production.
    static func configuration(around block: String, port: Int, folder: String, singleProcess: Bool = false) throws -> String {
        try #require(block.contains("listen 80;"), "the configuration has no 'listen 80;':\n\(block)")
        return """
            daemon off;
            \(singleProcess ? "master_process off;" : "worker_processes 1;")
            pid \(folder)/nginx.pid;
            error_log \(folder)/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path \(folder)/body;
                proxy_temp_path \(folder)/proxy;
                fastcgi_temp_path \(folder)/fastcgi;
                uwsgi_temp_path \(folder)/uwsgi;
                scgi_temp_path \(folder)/scgi;
            \(block.replacing("listen 80;", with: "listen 127.0.0.1:\(port);"))
            }
            """
    }

    /// A new folder for one nginx under `/tmp`.
    static func makeFolder(_ name: String) -> String {
        let folder = "/tmp/livepage-scale-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(folder, 0o700)
        return folder
    }

    /// Starts nginx in front of `nodes` and waits until it accepts connections.
    static func start(in front: [ClusterNode]) async throws -> NginxFront {
        let executable = try ExternalTool.nginx.executable()
        let block = try await printedConfiguration(for: nodeList(front))
        var lastError = ""
        for _ in 0..<5 {
            let port = try LoopbackSocket.freePort()
            let folder = makeFolder("nginx")
            try configuration(around: block, port: port, folder: folder)
                .write(toFile: folder + "/nginx.conf", atomically: true, encoding: .utf8)
            let process = try ServerProcess(executable: executable, arguments: ["-p", folder, "-c", folder + "/nginx.conf"])
            if await eventually(timeout: .seconds(30), { acceptsConnections(port: port) || process.outputEnded }),
                acceptsConnections(port: port)
            {
                return NginxFront(process: process, port: port, folder: folder)
            }
            lastError = process.standardError + ((try? String(contentsOfFile: folder + "/error.log", encoding: .utf8)) ?? "")
            process.signal(SIGKILL)
            _ = try? await process.waitForExit()
            try? FileManager.default.removeItem(atPath: folder)
        }
        throw ServerProcessError("nginx did not start:\n\(lastError)")
    }

    /// The requests tests make through nginx.
    var endpoint: Endpoint { Endpoint(port: port) }

    /// What nginx wrote to its error log so far.
    var errorLog: String { (try? String(contentsOfFile: folder + "/error.log", encoding: .utf8)) ?? "" }

    /// Stops nginx (`SIGTERM`: the master stops its worker and exits) and removes its folder.
    func stop() async {
        process.signal(SIGTERM)
        if (try? await process.waitForExit(timeout: .seconds(30))) == nil {
            process.signal(SIGKILL)
            _ = try? await process.waitForExit()
        }
        try? FileManager.default.removeItem(atPath: folder)
    }
}
