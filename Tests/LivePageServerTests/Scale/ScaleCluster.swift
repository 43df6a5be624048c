import Foundation
import Glibc
import LivePageEvents
import LivePageTestSupport
import Testing

/// Three nodes (tags 1, 2, 3) on one Redis, behind nginx: what a test of several servers
/// runs against. Start one with ``withCluster(_:)`` for a test, or share one across a
/// suite with the ``Trait/sharedCluster`` trait.
final class ScaleCluster: Sendable {
    let redis: RedisProcess
    let nodes: [ClusterNode]
    let nginx: NginxFront

    /// The cluster of the suite running, with ``Trait/sharedCluster``.
    @TaskLocal static var shared: ScaleCluster?

    private init(redis: RedisProcess, nodes: [ClusterNode], nginx: NginxFront) {
        (self.redis, self.nodes, self.nginx) = (redis, nodes, nginx)
    }

    /// Starts Redis, the three nodes, then nginx in front of them.
    static func start() async throws -> ScaleCluster {
        let redis = try await RedisProcess.start()
        var nodes: [ClusterNode] = []
        do {
            for tag in 1...3 { nodes.append(try await ClusterNode.start(tag: tag, redisPort: redis.port)) }
            let nginx = try await NginxFront.start(in: nodes)
            return ScaleCluster(redis: redis, nodes: nodes, nginx: nginx)
        } catch {
            for node in nodes { try? await node.kill() }
            try? await redis.stop(with: SIGKILL)
            throw error
        }
    }

    /// The cluster of the running suite.
    static func current() throws -> ScaleCluster {
        try #require(shared, "this suite needs the .sharedCluster trait")
    }

    /// Requests through nginx.
    var front: Endpoint { nginx.endpoint }

    /// The node tagged `tag`.
    func node(_ tag: Int) -> ClusterNode { nodes[tag - 1] }

    /// Stops everything: the nodes still running (each must exit cleanly), nginx, Redis.
    func stop(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for node in nodes { try await node.stop(sourceLocation: sourceLocation) }
        await nginx.stop()
        try await redis.stop()
    }

    /// Kills everything at once, after a failure.
    func kill() async {
        for node in nodes { try? await node.kill() }
        await nginx.stop()
        try? await redis.stop(with: SIGKILL)
    }

    /// Registers clients at `location` through nginx, which spreads registrations over the
    /// nodes, until every node has at least `perNode` of them.
    /// - Parameters:
    ///   - principal: The principal of the `n`th client registered (default anonymous).
    ///   - presence: What the clients ask to hear of presence (default nothing).
    /// - Returns: Every client registered, in order.
    func registerOnEveryNode(
        at location: String, perNode: Int, principal: (Int) -> String? = { _ in nil }, presence: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [ClusterClient] {
        var clients: [ClusterClient] = []
        func count(_ tag: Int) -> Int { clients.filter { $0.tag == tag }.count }
        while nodes.contains(where: { count($0.tag) < perNode }), clients.count < perNode * nodes.count * 8 {
            clients.append(try front.register(at: location, principal: principal(clients.count), presence: presence))
        }
        for node in nodes {
            try #require(count(node.tag) >= perNode, "nginx sent no client to node \(node.tag): \(clients.map(\.id))", sourceLocation: sourceLocation)
        }
        return clients
    }

    /// Registers clients at `location` through nginx until one lands on the node tagged
    /// `tag`, trying for up to `timeout`.
    /// - Returns: Every client registered, the last on that node.
    func registerUntilOne(onNode tag: Int, at location: String, timeout: Duration = .seconds(60)) async throws -> [ClusterClient] {
        var clients: [ClusterClient] = []
        let landed = try await eventually(timeout: timeout, interval: .milliseconds(100)) {
            clients.append(try front.register(at: location))
            return clients.last?.tag == tag
        }
        try #require(landed, "no registration through nginx landed on node \(tag) within \(timeout)")
        return clients
    }

    /// The principals each node lists at `location` (`/online`), in node order.
    func principalsOnEachNode(at location: String) throws -> [[String]] {
        try nodes.map { try $0.endpoint.principals(at: location) ?? [] }
    }

    /// Waits until every node lists exactly `expected` (sorted) at `location`.
    /// - Returns: Whether they did within `timeout`, and what each node listed last, for
    ///   the failure message.
    func awaitPresence(
        at location: String, listing expected: [String], timeout: Duration = .seconds(30), interval: Duration = .milliseconds(20)
    ) async throws -> (listed: Bool, seen: [[String]]) {
        var seen: [[String]] = []
        let listed = try await eventually(timeout: timeout, interval: interval) {
            seen = try principalsOnEachNode(at: location)
            return seen.allSatisfy { $0 == expected }
        }
        return (listed, seen)
    }

    /// Polls `client` through nginx from `after` on until one of its events satisfies
    /// `condition`, for up to `timeout`, on a thread of its own (polls park).
    /// - Returns: The events received up to and including that one; `after` is moved past them.
    func awaitEvent(
        of client: ClusterClient, after: inout Int, timeout: Duration = .seconds(60), where condition: (JSONObject) -> Bool
    ) async throws -> [JSONObject] {
        let deadline = ContinuousClock.now + timeout
        var received: [JSONObject] = []
        while ContinuousClock.now < deadline {
            let (front, from) = (self.front, after)
            let response = try await BlockingThread.run { try front.poll(client, after: from) }
            try #require(response.status == 200, "\(response)")
            let events = try response.events()
            received += events
            after = max(after, seqs(events).max() ?? after)
            if let index = received.firstIndex(where: condition) { return Array(received[...index]) }
        }
        Issue.record("no such event for \(client.id.prefix(8)) within \(timeout); received \(received)")
        return received
    }

    /// Kills the connection on which the node tagged `tag` is subscribed to the bus
    /// (`CLIENT KILL ID`), leaving its command connection and the other nodes alone.
    ///
    /// Redis's `CLIENT LIST TYPE pubsub` gives each subscriber's address; the node's own
    /// sockets to Redis are found from its descriptors in `/proc` and the kernel's TCP table.
    func killSubscriber(ofNode tag: Int) async throws {
        let pid = try #require(node(tag).process?.pid, "node \(tag) is not running")
        let ports = try Self.localPorts(ofProcess: pid, connectedTo: redis.port)
        let subscribers = try await redis.command(["CLIENT", "LIST", "TYPE", "pubsub"])
        var killed: [String] = []
        for line in subscribers.split(separator: "\n") {
            let fields = Dictionary(
                line.split(separator: " ").compactMap { field -> (String, String)? in
                    let parts = field.split(separator: "=", maxSplits: 1)
                    return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
                }, uniquingKeysWith: { first, _ in first })
            guard let id = fields["id"], let address = fields["addr"], let port = address.split(separator: ":").last.flatMap({ Int($0) }),
                ports.contains(port)
            else { continue }
            killed.append(try await redis.command(["CLIENT", "KILL", "ID", id]))
        }
        try #require(killed.count == 1, "node \(tag)'s subscriber not found among:\n\(subscribers)\nits ports \(ports)")
        #expect(killed.first?.hasPrefix("1") == true, "CLIENT KILL answered \(killed)")
    }

    /// The local ports of `pid`'s TCP connections to the loopback `remotePort`.
    private static func localPorts(ofProcess pid: Int32, connectedTo remotePort: Int) throws -> Set<Int> {
        var inodes: Set<String> = []
        for descriptor in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") {
            var buffer = [CChar](repeating: 0, count: 256)
            let length = readlink("/proc/\(pid)/fd/\(descriptor)", &buffer, buffer.count - 1)
            guard length > 0 else { continue }
            let target = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard target.hasPrefix("socket:[") else { continue }
            inodes.insert(String(target.dropFirst(8).dropLast()))
        }
        var ports: Set<Int> = []
        let table = try readProcFile("/proc/\(pid)/net/tcp")
        for row in table.split(separator: "\n").dropFirst() {
            let columns = row.split(separator: " ")
            guard columns.count > 9, inodes.contains(String(columns[9])),
                let local = columns[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) }),
                let remote = columns[2].split(separator: ":").last.flatMap({ Int($0, radix: 16) }), remote == remotePort
            else { continue }
            ports.insert(local)
        }
        return ports
    }

    /// The text of a file under `/proc`, which reports a size of 0 and is read until its end.
    private static func readProcFile(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0, "cannot open \(path): errno \(errno)")
        defer { Glibc.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Runs `body` with a cluster of its own, stopped afterwards (killed if `body` throws).
func withCluster<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: (ScaleCluster) async throws -> T) async throws -> T {
    let cluster = try await ScaleCluster.start()
    let result: T
    do {
        result = try await OwnThreadExecutor.run { try await body(cluster) }  // blocking helpers: off the pool
    } catch {
        await cluster.kill()
        throw error
    }
    try await cluster.stop(sourceLocation: sourceLocation)
    return result
}

/// Gives the tests of a suite one cluster, started before its first test and stopped
/// after its last (``ScaleCluster/current()`` in a test).
struct SharedClusterTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await withCluster { cluster in
            try await ScaleCluster.$shared.withValue(cluster) { try await function() }
        }
    }
}

extension Trait where Self == SharedClusterTrait {
    /// One cluster for every test of the suite.
    static var sharedCluster: Self { SharedClusterTrait() }
}
