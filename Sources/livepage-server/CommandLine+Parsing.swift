import LivePage
import LivePageRedis
import LivePageServer

/// What the command line asked for.
enum Invocation {
    /// Run a server with this configuration.
    case run(LivePageServer.Configuration)
    /// Print the help.
    case help
    /// Print the version.
    case version
    /// Print the nginx configuration for these servers.
    case printNginxConfiguration(NginxConfiguration)
}

/// A command line or environment the command cannot run with: one line for the user.
struct UsageError: Error, CustomStringConvertible {
    let description: String
}

/// The settings of `livepage-server`, each a flag with a matching environment variable,
/// in the groups `--help` shows them in.
enum CommandLineOptions {
    /// The defaults the help shows, read from the configuration so that they cannot drift.
    private static let defaults = LivePageServer.Configuration()

    /// The options by topic, in the order `--help` lists them.
    static let groups: [(title: String, options: [CommandLineOption])] = [
        (
            "Listening",
            [
                .text("host", "ADDRESS", "address to listen on; :: or 0.0.0.0 for every interface", default: defaults.host) { $0.host = $1 },
                .integer("port", "port to listen on; 0 picks a free one", default: String(defaults.port), in: 0...65535) { $0.port = $1 },
                .text("prefix", "PATH", "path the LivePage routes live under", default: defaults.prefix) { $0.prefix = $1 },
                CommandLineOption(name: "no-demo", valueName: nil, help: "do not serve the demo pages at / and /board (served by default)") {
                    configuration, _ in configuration.servesDemo = false
                },
            ]
        ),
        (
            "Tokens, publishing and origins",
            [
                .text(
                    "token-secret", "SECRET", "token mode: registration needs a JWT signed with this HS256 secret (at least 32 bytes)",
                    default: "none (open mode: principals are not authenticated)"
                ) { $0.tokenSecret = $1 },
                .text(
                    "publish-key", "KEY", "lets backends publish with this bearer key (at least 16 bytes); give it twice to rotate keys",
                    default: "none (publishing is disabled)", repeatable: true
                ) { $0.publishKeys.append($1) },
                .text(
                    "admin-key", "KEY",
                    "opens the admin page at PREFIX/admin without the power to publish (at least 16 bytes); "
                        + "the publish key opens it too",
                    default: "none (only a publish key opens it)", repeatable: true
                ) { $0.adminKeys.append($1) },
                .text(
                    "allowed-origin", "ORIGIN", "another origin whose pages may use LivePage, such as http://localhost:3000; repeatable",
                    default: "none (only the server's own origin)", repeatable: true
                ) { $0.allowedOrigins.append($1) },
                .text(
                    "public-origin", "ORIGIN", "the origin pages come from, such as https://example.com, when a proxy in front changes it",
                    default: "none (http:// and the request's Host)"
                ) { $0.publicOrigin = $1 },
            ]
        ),
        ("Backends in other languages", CommandLineOptions.backendOptions),
        (
            "Long-polling and presence",
            [
                .seconds("refresh", "long-poll interval", default: defaults.manager.refresh, minimum: 1) { $0.manager.refresh = $1 },
                .seconds("grace", "how long past refresh a silent client stays online", default: defaults.manager.grace) {
                    $0.manager.grace = $1
                },
                .seconds(
                    "resume-window", "how long a client that stopped polling keeps its queue, for its page to come back",
                    default: defaults.manager.resumeWindow
                ) { $0.manager.resumeWindow = $1 },
                .integer("max-batch-events", "events in one output answer", default: String(defaults.manager.maximumBatchEvents)) {
                    $0.manager.maximumBatchEvents = $1
                },
                .integer("max-batch-bytes", "bytes of JSON in one output answer", default: defaults.manager.maximumBatchBytes.bytesForHelp) {
                    $0.manager.maximumBatchBytes = $1
                },
                .integer(
                    "presence-list-limit", "principals at a location above which presence is counts only",
                    default: String(defaults.manager.presenceListLimit)
                ) { $0.manager.presenceListLimit = $1 },
            ]
        ),
        (
            "Limits",
            [
                .integer("max-header-size", "bytes of request line and headers", default: defaults.maximumHeaderSize.bytesForHelp) {
                    $0.maximumHeaderSize = $1
                },
                .integer("max-input-body", "bytes of an input body", default: defaults.maximumInputBodySize.bytesForHelp) {
                    $0.maximumInputBodySize = $1
                },
                .integer("max-publish-body", "bytes of a publish body", default: defaults.maximumPublishBodySize.bytesForHelp) {
                    $0.maximumPublishBodySize = $1
                },
                .seconds("header-timeout", "time to receive a request's headers", default: defaults.headerTimeout, minimum: 0.1) {
                    $0.headerTimeout = $1
                },
                .seconds("idle-timeout", "lifetime of an idle keep-alive connection", default: defaults.idleTimeout, minimum: 0.1) {
                    $0.idleTimeout = $1
                },
                .integer(
                    "max-queued-events", "unacknowledged events per client before it is evicted",
                    default: String(defaults.manager.maximumQueuedEvents)
                ) { $0.manager.maximumQueuedEvents = $1 },
                .integer(
                    "max-queued-bytes", "unacknowledged bytes of JSON per client before it is evicted",
                    default: defaults.manager.maximumQueuedBytes.bytesForHelp
                ) { $0.manager.maximumQueuedBytes = $1 },
                .integer("max-clients", "clients per server", default: String(defaults.manager.maximumClients)) {
                    $0.manager.maximumClients = $1
                },
                .integer("max-clients-per-principal", "clients per principal", default: String(defaults.manager.maximumClientsPerPrincipal)) {
                    $0.manager.maximumClientsPerPrincipal = $1
                },
                .integer("max-anonymous-clients", "anonymous clients per server", default: String(defaults.manager.maximumAnonymousClients)) {
                    $0.manager.maximumAnonymousClients = $1
                },
                .integer("max-locations", "distinct locations", default: String(defaults.manager.maximumLocations)) {
                    $0.manager.maximumLocations = $1
                },
            ]
        ),
        (
            "Several servers behind one address",
            [
                CommandLineOption(
                    name: "redis", valueName: "HOST:PORT", help: "the Redis that several servers share",
                    defaultValue: "none (one server, in memory)"
                ) { configuration, text throws(OptionValueError) in
                    do {
                        configuration.redis = try RedisConfiguration(address: text)
                    } catch {
                        throw OptionValueError(requirement: "must be HOST:PORT, such as 127.0.0.1:6379")
                    }
                },
                // Applied once every option is read: see `parse`.
                CommandLineOption(
                    name: "redis-password", valueName: "PASSWORD",
                    help: "the password Redis requires (AUTH); prefer the variable, which ps does not show", defaultValue: "none"
                ) { _, _ in },
                .integer(
                    "node-tag", "this server's tag among several, 1 to 255, each its own; needs --redis",
                    default: "none (required with --redis)", in: 1...255
                ) { $0.nodeTag = UInt8($1) },
                CommandLineOption(
                    name: "print-nginx-config", valueName: "TAG=HOST:PORT,...",
                    help: "print the nginx configuration that routes each client to its home server, then exit",
                    readsEnvironment: false
                ) { _, _ in },
            ]
        ),
        (
            "The process",
            [
                .integer(
                    "event-loops", "HTTP event-loop threads", default: "one fewer than the cores, at least 1 (here \(defaults.eventLoopCount))",
                    in: 1...256
                ) { $0.eventLoopCount = $1 },
                .integer(
                    "coalescing-pause", "microseconds a loop waits to take a stream of parking re-polls together; 0: never",
                    default: String(Int(defaults.coalescingPause / .microseconds(1))), in: 0...100_000
                ) { $0.coalescingPause = .microseconds($1) },
                .seconds("shutdown-grace", "time in-flight requests get at shutdown", default: defaults.shutdownGracePeriod) {
                    $0.shutdownGracePeriod = $1
                },
                CommandLineOption(name: "help", valueName: nil, help: "show this help and exit (also -h)", readsEnvironment: false) { _, _ in },
                CommandLineOption(name: "version", valueName: nil, help: "show the version and exit", readsEnvironment: false) { _, _ in },
            ]
        ),
    ]

    /// Every option, in the order of ``groups``.
    static let all = groups.flatMap(\.options)

    /// Reads the environment, then the arguments, which override it.
    /// - Throws: ``UsageError`` naming the flag or variable and what its value must be.
    static func parse(arguments: [String], environment: [String: String]) throws(UsageError) -> Invocation {
        // Help and the version are answered whatever else is wrong, a bad variable included.
        if arguments.contains(where: { $0 == "--help" || $0 == "-h" }) { return .help }
        if arguments.contains("--version") { return .version }
        var configuration = LivePageServer.Configuration()
        configuration.servesDemo = true
        for option in all where option.valueName != nil && option.readsEnvironment {
            guard let value = environment[option.environmentVariable] else { continue }
            let values = option.isRepeatable ? value.split(separator: ",").map(String.init) : [value]
            for value in values {
                try apply(option, value, to: &configuration, source: option.environmentVariable)
            }
        }
        var redisPassword = environment["LIVEPAGE_REDIS_PASSWORD"]
        if let value = environment["LIVEPAGE_NO_DEMO"], !value.isEmpty, value != "0" {
            configuration.servesDemo = false
        }
        var given: Set<String> = []
        var nginxNodes: String?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                throw UsageError(description: "unexpected argument '\(argument)'; options start with --, see --help")
            }
            let body = argument.dropFirst(2)
            let (name, inlineValue) =
                body.firstIndex(of: "=").map {
                    (String(body[..<$0]), Optional(String(body[body.index(after: $0)...])))
                } ?? (String(body), nil)
            guard let option = all.first(where: { $0.name == name }) else {
                throw UsageError(description: "unknown option '--\(name)'; see --help")
            }
            if name == "help" { return .help }
            if name == "version" { return .version }
            if name == "print-nginx-config" {
                guard let list = inlineValue ?? (index < arguments.count ? arguments[index] : nil) else {
                    throw UsageError(description: "--print-nginx-config needs a value")
                }
                if inlineValue == nil { index += 1 }
                nginxNodes = list
                continue
            }
            guard option.valueName != nil else {
                guard inlineValue == nil else { throw UsageError(description: "--\(name) takes no value") }
                try apply(option, "", to: &configuration, source: "--\(name)")
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else { throw UsageError(description: "--\(name) needs a value") }
                value = arguments[index]
                index += 1
            }
            if name == "redis-password" {
                redisPassword = value
                continue
            }
            if given.insert(name).inserted, option.isRepeatable {
                clearList(of: name, in: &configuration)
            }
            try apply(option, value, to: &configuration, source: "--\(name)")
        }
        if let redisPassword {
            guard !redisPassword.isEmpty, configuration.redis != nil else {
                throw UsageError(description: "--redis-password needs --redis, and must not be empty")
            }
            configuration.redis?.password = redisPassword
        }
        if configuration.nodeTag != nil, configuration.redis == nil {
            let source = given.contains("node-tag") || environment["LIVEPAGE_NODE_TAG"] == nil ? "--node-tag" : "LIVEPAGE_NODE_TAG (--node-tag)"
            throw UsageError(
                description: "\(source) needs --redis: a node tag tells apart several servers that share one Redis, "
                    + "and a server without --redis runs alone, in memory, without one."
            )
        }
        if let nginxNodes {
            do {
                var nginx = try NginxConfiguration(parsing: nginxNodes)
                nginx.prefix = configuration.prefix
                return .printNginxConfiguration(nginx)
            } catch {
                throw UsageError(description: error.description)
            }
        }
        do {
            try configuration.validate()
        } catch {
            // Name what the user set: the flag, or the variable when only it was set.
            let variable = CommandLineOption.environmentVariable(of: error.setting)
            let source = given.contains(error.setting) || environment[variable] == nil ? "--\(error.setting)" : variable
            throw UsageError(description: "\(source) \(error.requirement).")
        }
        return .run(configuration)
    }

    private static func apply(
        _ option: CommandLineOption, _ value: String, to configuration: inout LivePageServer.Configuration, source: String
    ) throws(UsageError) {
        do {
            try option.apply(&configuration, value)
        } catch {
            let isSecret = ["key", "secret", "password"].contains { option.name.contains($0) }
            let shown = isSecret ? "" : " (got '\(value)')"
            throw UsageError(description: "\(source) \(error.requirement)\(shown)")
        }
    }

    /// Flags given on the command line replace the list their variable set.
    private static func clearList(of name: String, in configuration: inout LivePageServer.Configuration) {
        switch name {
        case "publish-key": configuration.publishKeys = []
        case "admin-key": configuration.adminKeys = []
        case "allowed-origin": configuration.allowedOrigins = []
        case "input-verb": configuration.backends.inputVerbs = []
        default: break
        }
    }
}
