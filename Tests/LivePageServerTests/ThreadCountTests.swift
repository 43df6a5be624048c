import Foundation
import LivePageTestSupport
import Testing

/// The process runs its event loops and nothing else of its own: the manager's timers and
/// the Redis connections run on the loops (docs/ARCHITECTURE.md, "Threads and the hot
/// path").
@Suite struct ThreadCountTests {
    @Test(
        "With two loops and Redis, after traffic: two named loop threads, the main thread and Dispatch's, nothing else",
        .timeLimit(.minutes(2)), .requires(.redisServer))
    func onlyTheLoopsAreLivePagesOwnThreads() async throws {
        let redis = try await RedisProcess.start()
        do {
            let arguments = publishing + ["--event-loops", "2", "--redis", "127.0.0.1:\(redis.port)", "--node-tag", "1"]
            try await withServer(arguments) { server in
                try await driveTraffic(server)
                let threads = try Self.threads(of: server.process.pid)
                Self.expectOnlyLoopThreads(threads, pid: server.process.pid)
            }
        } catch {
            try await redis.stop()
            throw error
        }
        try await redis.stop()
    }

    /// Registers, polls, publishes through Redis to a parked poll, so that every kind of
    /// work has run: requests on both loops, Redis commands and subscription messages,
    /// the hold wheel's and the expiry check's timers.
    private func driveTraffic(_ server: LiveServer) async throws {
        let id = try server.registerClient(at: "/threads")
        let poller = try server.connect()
        try poller.send(TestHTTPRequest("GET", server.outputPath(id, after: "0")))
        #expect(try await server.waitForMetric("livepage_parked_requests", toBe: 1))
        // The count of deliveries is not checked: it may come after the reply timeout on a
        // starved machine; the parked poll's answer is what shows the path works.
        _ = try server.deliver(#"[{"verb":"append","id":"log","html":"<p>1</p>"}]"#, to: #"{"location":"/threads"}"#)
        let answer = try poller.readResponse()
        #expect(answer.status == 200, "\(answer)")
        #expect(try answer.events().count == 1)
        // More requests on fresh connections, so that both loops accept some.
        for _ in 0..<8 { #expect(try server.online(id).status == 200) }
    }

    /// Each thread of `pid`: its id and its name (`/proc/PID/task/TID/comm`).
    private static func threads(of pid: Int32) throws -> [(id: Int32, name: String)] {
        let directory = "/proc/\(pid)/task"
        return try FileManager.default.contentsOfDirectory(atPath: directory).compactMap { entry in
            guard let id = Int32(entry) else { return nil }
            let name = try String(contentsOfFile: "\(directory)/\(entry)/comm", encoding: .utf8)
            return (id, name.trimmingCharacters(in: .newlines))
        }
    }

    /// The names Dispatch gives its threads: the label of the queue they serve (a root
    /// queue, or its manager's), cut to the kernel's 15 bytes from the end
    /// (`com.apple.root.default-qos` shows as `oot.default-qos`).
    private static let dispatchWorkerNames: Set<String> = {
        let classes = ["maintenance", "background", "utility", "default", "user-initiated", "user-interactive"]
        let roots = classes.flatMap { ["com.apple.root.\($0)-qos", "com.apple.root.\($0)-qos.overcommit"] }
        return Set((roots + ["com.apple.libdispatch-manager"]).map { String($0.suffix(15)) })
    }()

    /// Every thread LivePage starts itself is named (`DetachedThread`): the loops
    /// `livepage-loopN`, a `SystemClock`'s `livepage-timer` (which the server must not
    /// start). A thread started unnamed takes its creator's name, so one of ours started
    /// from the main thread would be a second `livepage-server`, from a loop a second
    /// `livepage-loopN`: both fail here. What remains is the runtime's own: the main
    /// thread, and Dispatch's workers (the cooperative pool runs the async routes'
    /// tasks, and Dispatch the signal handling), which it names after their queues. Their
    /// number depends on the machine and the load, so it is bounded, not fixed: the
    /// bound catches a thread per connection or per request, not a worker more or less.
    private static func expectOnlyLoopThreads(_ threads: [(id: Int32, name: String)], pid: Int32) {
        let description = threads.map { "\($0.id) \($0.name)" }.sorted().joined(separator: "\n")
        let loops = threads.filter { $0.name.hasPrefix("livepage-loop") }.map(\.name).sorted()
        #expect(loops == ["livepage-loop0", "livepage-loop1"], "threads:\n\(description)")
        let main = threads.filter { $0.name == "livepage-server" }
        #expect(main.map(\.id) == [pid], "only the main thread bears the command's name; threads:\n\(description)")
        let others = threads.filter { !$0.name.hasPrefix("livepage-loop") && $0.name != "livepage-server" }
        let foreign = others.filter { !dispatchWorkerNames.contains($0.name) }
        #expect(foreign.isEmpty, "threads that are neither loops, the main thread nor Dispatch's:\n\(description)")
        #expect(others.count <= 64, "more Dispatch workers than a runtime keeps:\n\(description)")
    }
}
