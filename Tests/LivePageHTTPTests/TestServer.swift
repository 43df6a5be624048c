@testable import LivePageHTTP

/// Starts servers for tests on 127.0.0.1 port 0, with log lines kept, not printed.
enum TestServer {
    static func configuration(_ change: (inout HTTPServerConfiguration) -> Void = { _ in }) -> HTTPServerConfiguration {
        var configuration = HTTPServerConfiguration(port: 0, eventLoopCount: 2, log: { _ in })
        change(&configuration)
        return configuration
    }

    static func start(
        _ change: (inout HTTPServerConfiguration) -> Void = { _ in },
        handler: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse
    ) throws -> HTTPServer {
        let server = HTTPServer(configuration: configuration(change), handler: handler)
        try server.start()
        return server
    }

    static func start(
        _ change: (inout HTTPServerConfiguration) -> Void = { _ in },
        handler: some HTTPHandler
    ) throws -> HTTPServer {
        let server = HTTPServer(configuration: configuration(change), handler: handler)
        try server.start()
        return server
    }
}
