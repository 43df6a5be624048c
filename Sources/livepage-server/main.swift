// The `livepage-server` command: parses flags and environment variables, runs the
// server until SIGINT or SIGTERM, then shuts down gracefully and exits 0. A bad flag or
// value, or an address in use, is one line on stderr and exit code 2.

import Glibc
import LivePageRedis
import LivePageServer

func fail(_ message: String) -> Never {
    writeToStandardError("livepage-server: \(message)\n")
    exit(2)
}

let invocation: Invocation
do {
    invocation = try CommandLineOptions.parse(
        arguments: Array(CommandLine.arguments.dropFirst()),
        environment: ProcessEnvironment.variables
    )
} catch {
    fail(error.description)
}

let configuration: LivePageServer.Configuration
switch invocation {
case .run(let runConfiguration):
    configuration = runConfiguration
case .help:
    print(CommandLineOptions.help, terminator: "")
    exit(0)
case .version:
    print(CommandLineOptions.version, terminator: "")
    exit(0)
case .printNginxConfiguration(let nginx):
    print(nginx.text, terminator: "")
    exit(0)
}

let server: LivePageServer
do {
    server = try await LivePageServer.connecting(configuration: configuration)
} catch {
    fail("\(error)")
}

// SIGINT and SIGTERM drain the server; it listens, and says so, only once their handlers
// are registered, so that a SIGTERM from then on always shuts it down gracefully.
let log = configuration.log
let signalHandlers = await server.shutDownOnSignals { log("shutting down (signal \($0))") }

do {
    try server.start()
} catch {
    fail("\(error)")
}

let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
let origin = "http://\(host):\(server.port)"
configuration.log("listening on \(origin)\(configuration.prefix)/ (LivePage \(LivePageServer.version), protocol 1)")
if configuration.servesDemo {
    configuration.log("demo: open \(origin)/ in two browsers; \(origin)/board is updated by publish")
}
// Which mode, every start: a newcomer must not have to infer it from what is not said.
if configuration.tokenSecret == nil {
    configuration.log("open mode: principals are NOT authenticated (any page may claim any name); set --token-secret to require signed tokens")
} else {
    configuration.log("token mode: registration needs a JWT signed with the --token-secret (HS256); its 'sub' is the principal")
}
if let redis = configuration.redis, let tag = configuration.nodeTag {
    configuration.log("node \(tag) of several, sharing the Redis at \(redis.address)")
}
if let webhook = configuration.backends.inputWebhook {
    configuration.log("input goes to the backend: every page input is POSTed to \(webhook), signed with the --webhook-secret")
}
if let webhook = configuration.backends.presenceWebhook {
    configuration.log("joins and leaves are POSTed to \(webhook), signed with the --webhook-secret, at most once a second")
}
if configuration.publishKeys.isEmpty {
    configuration.log("publishing is disabled; set --publish-key to let backends publish")
}
if !configuration.adminKeys.isEmpty || !configuration.publishKeys.isEmpty {
    configuration.log("admin page: \(origin)\(configuration.prefix)/admin (sign in with the admin or publish key)")
}

await server.waitUntilStopped()
configuration.log("stopped")
