import LivePage
import LivePageHTTP
import LivePageRedis

/// Publish ids shared by every server on one Redis: the first server to claim an id
/// (`SET ... NX`) publishes and stores its answer under it for 5 minutes; a repeat, on any
/// server, gets that answer, waiting while the first is still publishing.
struct RedisPublishDeduplicator: PublishDeduplication {
    let bus: RedisEventBus

    /// How long an id is remembered.
    static let window: Duration = .seconds(300)
    /// How long a repeat waits for a publish in progress elsewhere before giving up (503).
    static let patience: Duration = .seconds(10)
    /// What a claimed id holds until its answer is stored.
    static let pending: [UInt8] = Array("pending".utf8)

    func response(for id: String, _ publish: @escaping @Sendable () async throws -> HTTPResponse) async throws -> HTTPResponse {
        let key = bus.configuration.keyPrefix + ":publish:" + id
        let deadline = ContinuousClock.now + Self.patience
        while true {
            let claimed: Bool
            do {
                claimed = try await bus.command.set(key, to: Self.pending, expiringAfter: Self.window, onlyIfAbsent: true)
            } catch {
                throw ManagerError.unavailable
            }
            if claimed { return try await publishClaimed(key, publish) }
            // Another attempt holds the id: its answer, once stored, is the answer.
            while ContinuousClock.now < deadline {
                let stored: [UInt8]?
                do {
                    stored = try await bus.command.get(key)
                } catch {
                    throw ManagerError.unavailable
                }
                guard let stored else { break }  // the first attempt failed: claim it again
                if stored != Self.pending {
                    return HTTPResponse(status: .ok, headers: RouteError.apiHeaders, body: stored)
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            guard ContinuousClock.now < deadline else {
                throw RouteError(.serviceUnavailable, "A publish with this id is still in progress; try again shortly.", headers: ["Retry-After": "2"])
            }
        }
    }

    /// Publishes under a claimed id and stores the answer, or frees the id on failure.
    private func publishClaimed(_ key: String, _ publish: @Sendable () async throws -> HTTPResponse) async throws -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try await publish()
        } catch {
            _ = try? await bus.command.delete([key])
            throw error
        }
        guard response.status == .ok else {
            _ = try? await bus.command.delete([key])
            return response
        }
        _ = try? await bus.command.set(key, to: response.body, expiringAfter: Self.window)
        return response
    }
}
