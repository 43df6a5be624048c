import Glibc
import LivePageTestSupport
import Testing

/// The command's flags for several servers: what it refuses, and a Redis it cannot reach.
@Suite struct ClusterCommandTests {
    @Test(.timeLimit(.minutes(2)))
    func redisNeedsANodeTagAndAPasswordNeedsRedis() async throws {
        let secret = "a-redis-password-to-hide"
        let cases: [(arguments: [String], environment: [String: String], mentions: [String])] = [
            (["--redis", "127.0.0.1:6379"], [:], ["--node-tag", "--redis"]),
            (["--redis", "127.0.0.1:6379", "--node-tag", "0"], [:], ["--node-tag", "1 to 255"]),
            (["--redis", "127.0.0.1:6379", "--node-tag", "256"], [:], ["--node-tag", "1 to 255"]),
            (["--redis", "127.0.0.1:not-a-port", "--node-tag", "1"], [:], ["--redis", "HOST:PORT"]),
            (["--redis-password", secret], [:], ["--redis-password", "--redis"]),
            ([], ["LIVEPAGE_REDIS_PASSWORD": secret], ["--redis-password", "--redis"]),
        ]
        for test in cases {
            let process = try await CommandTests.run(test.arguments, environment: test.environment)
            try await CommandTests.expectRefusal(process, mentioning: test.mentions, hiding: [secret])
        }
    }

    /// `--node-tag` alone started a lone server that quietly ignored it.
    @Test(.timeLimit(.minutes(2)))
    func aNodeTagWithoutRedisIsRefusedNamingBothFlags() async throws {
        let fromFlag = try await CommandTests.run(["--port", "0", "--node-tag", "3"])
        try await CommandTests.expectRefusal(fromFlag, mentioning: ["--node-tag", "--redis"])
        let fromVariable = try await CommandTests.run(["--port", "0"], environment: ["LIVEPAGE_NODE_TAG": "3"])
        try await CommandTests.expectRefusal(fromVariable, mentioning: ["LIVEPAGE_NODE_TAG", "--node-tag", "--redis"])
    }

    @Test(.timeLimit(.minutes(2)))
    func anUnreachableRedisIsOneClearLineAndExitCode2() async throws {
        let refusing = try LoopbackSocket.bind()
        defer { close(refusing.fd) }
        let port = refusing.port
        let process = try await CommandTests.run(["--redis", "127.0.0.1:\(port)", "--node-tag", "1", "--port", "0"])
        try await CommandTests.expectRefusal(process, mentioning: ["Redis", "127.0.0.1:\(port)"])
    }
}
