import LivePageHTTP

/// Remembers the answers of publishes that carry an `id` for 5 minutes, so that a
/// backend retrying a publish does not deliver it twice (PROTOCOL.md, "Publishing").
///
/// One server keeps them in memory (``PublishDeduplicator``); several servers behind one
/// address share them in Redis (``RedisPublishDeduplicator``), since a retry may reach
/// another server than the first attempt.
protocol PublishDeduplication: Sendable {
    /// The answer of the publish `id`: the remembered one, or `publish`'s, which runs only
    /// if no answer is remembered. Only successful answers are remembered, so a failed
    /// publish can be retried.
    func response(for id: String, _ publish: @escaping @Sendable () async throws -> HTTPResponse) async throws -> HTTPResponse
}
