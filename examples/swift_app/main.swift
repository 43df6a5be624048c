// The README's example of running the poll (PollServer.swift) as a program until SIGINT or
// SIGTERM, then draining it. PollAppProcessTests runs it; the README holds the lines
// between the markers exactly.

// README example begins
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
// in flight finish, then waitUntilStopped() returns and the process exits 0.
let signalHandlers = await server.shutDownOnSignals()

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
