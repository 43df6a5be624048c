// A server on the LivePage HTTP engine, run as a separate process by the engine's tests.
//
//   HTTPTestServer [--port N] [--max-fds N] [--loops N] [--grace SECONDS]
//
// Prints "PORT <n>" once listening. SIGTERM or SIGINT shuts it down gracefully (parked
// requests are answered 503), prints "STOPPED" and exits 0.

import LivePageHTTP

#if canImport(Glibc)
    import Glibc
#endif

// Signals are taken by sigwait below: block them before any thread starts, so every thread
// inherits the mask.
var signals = sigset_t()
sigemptyset(&signals)
sigaddset(&signals, SIGTERM)
sigaddset(&signals, SIGINT)
pthread_sigmask(SIG_BLOCK, &signals, nil)

/// Writes `message` and a newline to standard error, or to `fd`, unbuffered.
func report(_ message: String, to fd: Int32 = 2) {
    let bytes = Array("\(message)\n".utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

var configuration = HTTPServerConfiguration(port: 0)
var maxFDs: Int?
var grace = 5
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let flag = arguments.next() {
    guard let value = arguments.next(), let number = Int(value) else {
        report("usage: HTTPTestServer [--port N] [--max-fds N] [--loops N] [--grace SECONDS]")
        exit(2)
    }
    switch flag {
    case "--port": configuration.port = number
    case "--max-fds": maxFDs = number
    case "--loops": configuration.eventLoopCount = number
    case "--grace": grace = number
    default:
        report("unknown flag \(flag)")
        exit(2)
    }
}

// Raise the descriptor limit to the hard limit, or lower it to --max-fds.
var limit = rlimit()
getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
limit.rlim_cur = maxFDs.map { rlim_t($0) } ?? limit.rlim_max
setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)

let handler = FixtureHandler()
let server = HTTPServer(configuration: configuration, handler: handler)
handler.attach(server)
let port: Int
do {
    port = try server.start()
} catch {
    report("HTTPTestServer: \(error)")
    exit(1)
}
report("PORT \(port)", to: 1)

var received: Int32 = 0
sigwait(&signals, &received)
await server.shutDown(gracePeriod: .seconds(grace))
report("STOPPED", to: 1)
exit(0)
