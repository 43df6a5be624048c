import LivePageTestSupport
import Synchronization
import Testing

@testable import LivePageHTTP

/// The client on a real server's event loops, against real servers on loopback:
/// keep-alive, the connection limit, the queue bound, timeouts, refused and closed
/// connections.
@Suite(.timeLimit(.minutes(2))) struct HTTPClientTests {
    /// The timeout of requests that are not about timeouts: a busy machine running every
    /// suite at once may take seconds to answer, and no test here is about speed.
    static let generous: Duration = .seconds(60)

    /// A server whose loops the client runs on; it answers nothing of interest.
    private func host() throws -> HTTPServer {
        try TestServer.start { _ in HTTPResponse(body: "host") }
    }

    private func client(
        on host: HTTPServer, port: Int, _ change: (inout HTTPClientConfiguration) -> Void = { _ in }
    ) throws -> HTTPClient {
        var configuration = HTTPClientConfiguration(host: "127.0.0.1", port: port)
        change(&configuration)
        return try HTTPClient(server: host, configuration: configuration)
    }

    @Test func sendsARequestAndReadsTheAnswerOnOneKeptAliveConnection() async throws {
        let backend = try TestServer.start { request in
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: Array("got \(request.body.count) bytes at \(request.path)".utf8))
        }
        let host = try host()
        let client = try client(on: host, port: backend.port)
        for index in 0..<10 {
            let response = try await client.execute(HTTPClientRequest(path: "/hook/\(index)", body: Array("hello".utf8), timeout: Self.generous))
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "got 5 bytes at /hook/\(index)")
        }
        // One connection carries them all, unless a machine so busy that the backend's
        // header timeout closed it forced another: fewer than the requests, either way.
        #expect(backend.metrics.connectionsAccepted < 10)
        #expect(client.requestsOutstanding == 0)
        await host.shutDown(gracePeriod: .seconds(1))
        await backend.shutDown(gracePeriod: .seconds(1))
    }

    @Test func manyRequestsAtOnceShareTheConnectionLimit() async throws {
        let concurrency = Mutex((now: 0, most: 0))
        let backend = try TestServer.start { request in
            concurrency.withLock {
                $0.now += 1
                $0.most = max($0.most, $0.now)
            }
            await Task.yield()
            concurrency.withLock { $0.now -= 1 }
            return HTTPResponse(body: request.body)
        }
        let host = try host()
        let client = try client(on: host, port: backend.port) { $0.maximumConnections = 3 }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let response = try await client.execute(HTTPClientRequest(path: "/", body: Array("\(index)".utf8), timeout: Self.generous))
                    #expect(String(decoding: response.body, as: UTF8.self) == "\(index)")
                }
            }
            try await group.waitForAll()
        }
        #expect(concurrency.withLock { $0.most } <= 3, "more requests at once than connections")
        await host.shutDown(gracePeriod: .seconds(1))
        await backend.shutDown(gracePeriod: .seconds(1))
    }

    @Test func aFullQueueIsRefusedAtOnce() async throws {
        let release = ReleaseSignal()
        let backend = try TestServer.start { _ in
            await release.wait()
            return HTTPResponse(body: "late")
        }
        let host = try host()
        let client = try client(on: host, port: backend.port) {
            $0.maximumConnections = 1
            $0.maximumQueuedRequests = 1
        }
        async let first = outcome(of: client, HTTPClientRequest(path: "/", timeout: Self.generous))
        async let second = outcome(of: client, HTTPClientRequest(path: "/", timeout: Self.generous))
        #expect(await eventually { client.requestsOutstanding == 2 })
        await #expect(throws: HTTPClientError.queueFull(limit: 1)) {
            _ = try await client.execute(HTTPClientRequest(path: "/"))
        }
        release.open()
        #expect(await first == nil)
        #expect(await second == nil)
        await host.shutDown(gracePeriod: .seconds(1))
        await backend.shutDown(gracePeriod: .seconds(1))
    }

    @Test func aSlowServerTimesOutAndItsLateAnswerIsDropped() async throws {
        let release = ReleaseSignal()
        let backend = try TestServer.start { _ in
            await release.wait()
            return HTTPResponse(body: "late")
        }
        let host = try host()
        let client = try client(on: host, port: backend.port)
        #expect(await outcome(of: client, HTTPClientRequest(path: "/", timeout: .milliseconds(300))) == .timedOut)
        release.open()
        #expect(client.requestsOutstanding == 0)
        #expect(try await client.execute(HTTPClientRequest(path: "/", timeout: Self.generous)).status == 200)
        await host.shutDown(gracePeriod: .seconds(1))
        await backend.shutDown(gracePeriod: .seconds(1))
    }

    @Test func aServerThatIsDownFailsTheRequestWithoutWaiting() async throws {
        let gone = try TestServer.start { _ in HTTPResponse() }
        let port = gone.port
        await gone.shutDown(gracePeriod: .zero)
        let host = try host()
        let client = try client(on: host, port: port)
        await #expect(throws: HTTPClientError.self) {
            _ = try await client.execute(HTTPClientRequest(path: "/", timeout: .seconds(30)))
        }
        await host.shutDown(gracePeriod: .seconds(1))
    }

    @Test func aKeptAliveConnectionTheServerClosedIsReplacedUnnoticed() async throws {
        let backend = try TestServer.start({ $0.idleTimeout = .milliseconds(100) }) { _ in HTTPResponse(body: "ok") }
        let host = try host()
        let client = try client(on: host, port: backend.port)
        #expect(try await client.execute(HTTPClientRequest(path: "/", timeout: Self.generous)).status == 200)
        #expect(await eventually { backend.metrics.connectionsOpen == 0 })
        #expect(try await client.execute(HTTPClientRequest(path: "/", timeout: Self.generous)).status == 200)
        #expect(backend.metrics.connectionsAccepted >= 2)
        await host.shutDown(gracePeriod: .seconds(1))
        await backend.shutDown(gracePeriod: .seconds(1))
    }

    @Test func anIdleConnectionIsClosedAfterTheIdleTimeoutAndAUsedOneIsKept() async throws {
        let backend = try TestServer.start { _ in HTTPResponse(body: "ok") }
        let host = try host()
        let client = try client(on: host, port: backend.port) { $0.idleTimeout = .milliseconds(300) }
        #expect(try await client.execute(HTTPClientRequest(path: "/", timeout: Self.generous)).status == 200)
        #expect(await eventually { backend.metrics.connectionsOpen == 0 }, "the client kept an idle connection")
        #expect(try await client.execute(HTTPClientRequest(path: "/", timeout: Self.generous)).status == 200)
        #expect(backend.metrics.connectionsAccepted == 2)
        await host.shutDown(gracePeriod: .seconds(1))
        await backend.shutDown(gracePeriod: .seconds(1))
    }

    @Test func requestsFailOnceTheLoopsStop() async throws {
        let host = try host()
        let client = try client(on: host, port: 9)
        await host.shutDown(gracePeriod: .zero)
        await #expect(throws: HTTPClientError.stopped) {
            _ = try await client.execute(HTTPClientRequest(path: "/"))
        }
    }
}

/// Lets a test hold a backend's answers until it opens the signal.
private final class ReleaseSignal: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let open = state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if open { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// The error `request` fails with, or `nil` when it is answered.
private func outcome(of client: HTTPClient, _ request: HTTPClientRequest) async -> HTTPClientError? {
    do {
        _ = try await client.execute(request)
        return nil
    } catch {
        return error
    }
}
