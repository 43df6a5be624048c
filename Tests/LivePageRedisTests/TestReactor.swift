import LivePageHTTP
import LivePageSystem

/// The event loop the Redis tests run their connections on, as a server runs its Redis
/// bus on its engine's loop: one engine's loop, started once without listening, for the
/// whole test run.
enum TestReactor {
    private static let engine = HTTPServer(configuration: HTTPServerConfiguration(port: 0, eventLoopCount: 1)) { _ in
        HTTPResponse(status: .notFound)
    }

    /// The loop, started by the first test that asks for it.
    static var loop: any Reactor {
        get throws { try engine.reactorForClients() }
    }
}
