// The README's example of running the poll (PollServer.swift) as a program until SIGINT or
// SIGTERM, then draining it. PollAppProcessTests runs it; the README holds the lines
// between the markers exactly.

// README example begins
import Dispatch
import Glibc
import LivePageServer

// Block SIGINT (Ctrl-C) and SIGTERM (systemd, Docker, Kubernetes) before any thread starts:
// one that comes early then waits for the handlers below instead of killing the process.
var shutdownSignals = sigset_t()
sigemptyset(&shutdownSignals)
sigaddset(&shutdownSignals, SIGINT)
sigaddset(&shutdownSignals, SIGTERM)
pthread_sigmask(SIG_BLOCK, &shutdownSignals, nil)

let log = LivePageServer.Configuration.standardErrorLog  // as the server logs: to stderr
let port = getenv("PORT").flatMap { Int(String(cString: $0)) } ?? 8080
let server: LivePageServer
do {
    server = try startPollServer(port: port)
} catch {
    log("cannot start: \(error)")  // such as the port in use
    exit(1)
}
log("listening on http://127.0.0.1:\(server.port)/")

// Either signal drains the server: parked polls are answered 503 with a Retry-After (their
// pages come back when a server does), requests in flight finish, and the process exits 0.
// The handlers run on the main queue, where this top-level code runs.
let signalSources = [SIGINT, SIGTERM].map { signal in
    let source = DispatchSource.makeSignalSource(signal: signal, queue: .main)
    source.setEventHandler { Task { await server.shutDown() } }
    source.resume()
    return source
}
await server.waitUntilStopped()
log("stopped")
// README example ends
