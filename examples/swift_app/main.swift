// The README's example of running the poll (PollServer.swift) as a program until SIGINT or
// SIGTERM, then draining it. PollAppProcessTests runs it; the README holds the lines
// between the markers exactly.

// README example begins
import Dispatch
import Glibc
import LivePageServer

let log = LivePageServer.Configuration.standardErrorLog  // as the server logs: to stderr
let port = getenv("PORT").flatMap { Int(String(cString: $0)) } ?? 8080
let server: LivePageServer
do {
    server = try makePollServer(port: port)
} catch {
    log("cannot start: \(error)")
    exit(1)
}

// SIGINT (Ctrl-C) and SIGTERM (systemd, Docker, Kubernetes) drain the server: parked polls
// are answered 503 with a Retry-After (their pages come back when a server does), requests
// in flight finish, and the process exits 0. The server starts once both handlers are
// registered, which dispatch does asynchronously: a signal before that ends the process.
var signalSources: [any DispatchSourceSignal] = []
for signalNumber in [SIGINT, SIGTERM] {
    let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .main)
    source.setEventHandler { Task { await server.shutDown() } }
    await withCheckedContinuation { registered in
        source.setRegistrationHandler { registered.resume() }
        source.resume()
    }
    signalSources.append(source)
}

do {
    try server.start()
} catch {
    log("cannot listen: \(error)")  // such as the port in use
    exit(1)
}
log("listening on http://127.0.0.1:\(server.port)/")
await server.waitUntilStopped()
log("stopped")
// README example ends
