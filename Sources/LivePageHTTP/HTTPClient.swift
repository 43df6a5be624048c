import LivePageSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP/1.1 client for one server (a backend's webhook), running on the event loops
/// of an ``HTTPServer``: no thread or task per request, no blocking call.
///
/// It keeps up to ``HTTPClientConfiguration/maximumConnections`` keep-alive connections
/// to its server, each carrying one request at a time, and a bounded queue of requests
/// waiting for one; beyond that a request is refused at once
/// (``HTTPClientError/queueFull(limit:)``), so a slow backend costs bounded memory. Every
/// request has a deadline covering its wait, the connect, the write and the whole
/// answer. Connects are non-blocking; the server's host is resolved once, here.
///
/// ```swift
/// let client = try HTTPClient(server: server, configuration: HTTPClientConfiguration(host: "127.0.0.1", port: 8000))
/// let response = try await client.execute(HTTPClientRequest(path: "/hook", body: Array("{}".utf8)))
/// ```
///
/// Only plain `http`: keep the backend on loopback or a private network, or put a TLS
/// proxy in front of it.
public final class HTTPClient: Sendable {
    /// Where requests go and the limits.
    public let configuration: HTTPClientConfiguration
    private let server: HTTPServer
    private let address: SocketAddressBox
    /// The pool, once the first request found the server's loops running.
    private let pool = Mutex<HTTPClientPool?>(nil)
    /// Requests accepted and not yet answered, under way or waiting.
    private let outstanding = Atomic<Int>(0)

    /// A client of the server `configuration` names, running on `server`'s event loops
    /// once it has started.
    /// - Throws: ``HTTPClientError/invalidAddress(_:)`` when the host cannot be resolved
    ///   or the port is out of range.
    public init(server: HTTPServer, configuration: HTTPClientConfiguration) throws(HTTPClientError) {
        guard (1...65535).contains(configuration.port), configuration.maximumConnections >= 1,
            configuration.maximumQueuedRequests >= 0,
            let address = SocketAddress(host: configuration.host, port: configuration.port)
                ?? Self.resolve(configuration.host, port: configuration.port)
        else { throw .invalidAddress(configuration.host) }
        self.configuration = configuration
        self.server = server
        self.address = SocketAddressBox(address)
    }

    /// Requests under way or waiting for a connection now.
    public var requestsOutstanding: Int { outstanding.load(ordering: .relaxed) }

    /// Sends `request` and waits for the whole answer.
    /// - Throws: ``HTTPClientError``: the queue is full, the request timed out, the
    ///   connection failed or closed, the answer was not HTTP or too large, the loops stopped.
    public func execute(_ request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        let result = await withCheckedContinuation { continuation in
            execute(request) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Sends `request` and calls `completion` once with the answer or the error, on the
    /// event loop's thread (or this one, for a refusal at once). `completion` must not block.
    /// Called on the loop the client runs on, it starts the request before returning.
    public func execute(_ request: HTTPClientRequest, completion: @escaping @Sendable (Result<HTTPClientResponse, HTTPClientError>) -> Void) {
        let limit = configuration.maximumConnections + configuration.maximumQueuedRequests
        let accepted = outstanding.wrappingAdd(1, ordering: .relaxed).newValue <= limit
        guard accepted else {
            outstanding.subtract(1, ordering: .relaxed)
            completion(.failure(.queueFull(limit: configuration.maximumQueuedRequests)))
            return
        }
        let finish: @Sendable (Result<HTTPClientResponse, HTTPClientError>) -> Void = { result in
            self.outstanding.subtract(1, ordering: .relaxed)
            completion(result)
        }
        guard let pool = currentPool() else { return finish(.failure(.stopped)) }
        let timeout = request.timeout
        let bytes = request.encoded(authority: configuration.authority)
        let isHead = request.method == .head
        // On the pool's own loop (a handler answering a request there), at once: no hop.
        if pool.loop.isCurrentThread {
            pool.submit(bytes: bytes, isHead: isHead, timeout: timeout, completion: finish)
            return
        }
        let taken = pool.loop.enqueue(
            .run {
                pool.submit(bytes: bytes, isHead: isHead, timeout: timeout, completion: finish)
            })
        if !taken { finish(.failure(.stopped)) }
    }

    /// The pool on the server's last loop, made at the first request.
    private func currentPool() -> HTTPClientPool? {
        pool.withLock { pool in
            if let pool { return pool }
            guard let loop = server.loopForClients() else { return nil }
            let made = HTTPClientPool(loop: loop, address: address.value, configuration: configuration)
            pool = made
            return made
        }
    }

    /// The first address of `host` (`getaddrinfo`, which may block: called at set-up only).
    private static func resolve(_ host: String, port: Int) -> SocketAddress? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch first.pointee.ai_family {
        case AF_INET:
            var address = first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            _ = inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
        case AF_INET6:
            var address = first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            _ = inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
        default:
            return nil
        }
        return SocketAddress(host: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), port: port)
    }
}

/// A socket address shared with the loop thread. `@unchecked Sendable`: it is a value
/// written once, in `init`, and only read after.
final class SocketAddressBox: @unchecked Sendable {
    let value: SocketAddress
    init(_ value: SocketAddress) { self.value = value }
}
