public import Dispatch
public import Glibc

extension LivePageServer {
    /// Makes each of `signals` shut the server down gracefully, as ``shutDown()`` does: for
    /// a program that runs until its supervisor (systemd, Docker, Kubernetes, Ctrl-C) stops
    /// it. Call it before ``start()``:
    ///
    /// ```swift
    /// let handlers = await server.shutDownOnSignals()
    /// try server.start()
    /// await server.waitUntilStopped()  // after SIGINT or SIGTERM, once drained
    /// ```
    ///
    /// Dispatch registers a signal handler asynchronously, and until it has, the signal
    /// has its default action (for these, ending the process at once); this returns once
    /// every handler is registered, so that a signal sent after the server listens always
    /// drains it. A signal is not ignored first (`SIG_IGN`): one ignored before the
    /// registration would be lost, and the process would run on.
    ///
    /// - Parameters:
    ///   - signals: The signals that stop the server; default `SIGINT` and `SIGTERM`.
    ///   - onSignal: Called on the main queue with the signal's number as the shutdown
    ///     begins, to log it (default nothing).
    /// - Returns: The handlers' dispatch sources: keep them for as long as the handlers
    ///   should stay; `cancel()` on one removes its handler.
    public func shutDownOnSignals(
        _ signals: [Int32] = [SIGINT, SIGTERM],
        onSignal: @escaping @Sendable (Int32) -> Void = { _ in }
    ) async -> [any DispatchSourceSignal] {
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in signals {
            // The main queue: a program's top-level code and its closures run there.
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .main)
            source.setEventHandler { [self] in
                onSignal(signalNumber)
                Task { await self.shutDown() }
            }
            await withCheckedContinuation { registered in
                source.setRegistrationHandler { registered.resume() }
                source.resume()
            }
            sources.append(source)
        }
        return sources
    }
}
