import LivePage
import LivePageRedis
import LivePageServer

/// What the command line asked for.
enum Invocation {
    /// Run a server with this configuration.
    case run(LivePageServer.Configuration)
    /// Print the help.
    case help
    /// Print the nginx configuration for these servers.
    case printNginxConfiguration(NginxConfiguration)
}

/// A command line or environment the command cannot run with: one line for the user.
struct UsageError: Error, CustomStringConvertible {
    let description: String
}

/// The settings of `livepage-server`, each a flag with a matching environment variable.
enum CommandLineOptions {
    static let all: [CommandLineOption] = [
        .text("host", "ADDRESS", "address to listen on (default 127.0.0.1; :: or 0.0.0.0 for all)") { $0.host = $1 },
        .integer("port", "port to listen on, 0 for any free one (default 8080)", in: 0...65535) { $0.port = $1 },
        .text("prefix", "PATH", "path of the LivePage routes (default /livepage)") { $0.prefix = $1 },
        .seconds("refresh", "long-poll interval (default 25)", minimum: 1) { $0.manager.refresh = $1 },
        .seconds("grace", "how long past refresh a silent client stays online (default 10)") { $0.manager.grace = $1 },
        .text("publish-key", "KEY", "enables POST /publish with this bearer key (at least 16 bytes); give twice to rotate", repeatable: true) {
            $0.publishKeys.append($1)
        },
        .text("token-secret", "SECRET", "token mode: HS256 secret of at least 32 bytes (default: open mode)") { $0.tokenSecret = $1 },
        .text("allowed-origin", "ORIGIN", "another origin whose pages may send input (repeatable)", repeatable: true) {
            $0.allowedOrigins.append($1)
        },
        .text("public-origin", "ORIGIN", "the origin pages are served from, when behind a proxy that changes it") { $0.publicOrigin = $1 },
        .integer("max-header-size", "bytes of request line and headers (default 16384)") { $0.maximumHeaderSize = $1 },
        .integer("max-input-body", "bytes of an input body (default 65536)") { $0.maximumInputBodySize = $1 },
        .integer("max-publish-body", "bytes of a publish body (default 1048576)") { $0.maximumPublishBodySize = $1 },
        .seconds("header-timeout", "time to receive a request's headers (default 10)", minimum: 0.1) { $0.headerTimeout = $1 },
        .seconds("idle-timeout", "idle keep-alive connection lifetime (default 60)", minimum: 0.1) { $0.idleTimeout = $1 },
        .integer("max-queued-events", "unacknowledged events per client before eviction (default 1024)") {
            $0.manager.maximumQueuedEvents = $1
        },
        .integer("max-queued-bytes", "unacknowledged bytes of JSON per client before eviction (default 1048576)") {
            $0.manager.maximumQueuedBytes = $1
        },
        .integer("max-clients", "clients per server (default 100000)") { $0.manager.maximumClients = $1 },
        .integer("max-clients-per-principal", "clients per principal (default 32)") { $0.manager.maximumClientsPerPrincipal = $1 },
        .integer("max-anonymous-clients", "anonymous clients per server (default 20000)") { $0.manager.maximumAnonymousClients = $1 },
        .integer("max-locations", "distinct locations (default 10000)") { $0.manager.maximumLocations = $1 },
        .integer("max-batch-events", "events in one output answer (default 256)") { $0.manager.maximumBatchEvents = $1 },
        .integer("max-batch-bytes", "bytes of JSON in one output answer (default 262144)") { $0.manager.maximumBatchBytes = $1 },
        .integer("presence-list-limit", "principals at a location above which presence is counts only (default 1000)") {
            $0.manager.presenceListLimit = $1
        },
        .seconds("shutdown-grace", "time in-flight requests get at shutdown (default 10)") { $0.shutdownGracePeriod = $1 },
        .integer("event-loops", "event-loop threads (default: one fewer than the cores, at least one)", in: 1...256) { $0.eventLoopCount = $1 },
        CommandLineOption(name: "redis", valueName: "HOST:PORT", help: "several servers behind one address share this Redis (default: one server, in memory)") {
            configuration, text throws(OptionValueError) in
            do {
                configuration.redis = try RedisConfiguration(address: text)
            } catch {
                throw OptionValueError(requirement: "must be HOST:PORT, such as 127.0.0.1:6379")
            }
        },
        // Applied once every option is read: see `parse`.
        CommandLineOption(name: "redis-password", valueName: "PASSWORD", help: "the password Redis requires (AUTH); prefer the variable, which ps does not show") { _, _ in },
        .integer("node-tag", "this server's tag among several, 1 to 255, each its own (required with --redis)", in: 1...255) {
            $0.nodeTag = UInt8($1)
        },
        CommandLineOption(name: "print-nginx-config", valueName: "TAG=HOST:PORT,...", help: "print the nginx configuration routing each client to its home server, then exit") { _, _ in },
        CommandLineOption(name: "no-demo", valueName: nil, help: "do not serve the demo pages at / and /board") { configuration, _ in
            configuration.servesDemo = false
        },
        CommandLineOption(name: "help", valueName: nil, help: "show this help") { _, _ in },
    ]

    /// Reads the environment, then the arguments, which override it.
    /// - Throws: ``UsageError`` naming the flag or variable and what its value must be.
    static func parse(arguments: [String], environment: [String: String]) throws(UsageError) -> Invocation {
        var configuration = LivePageServer.Configuration()
        configuration.servesDemo = true
        for option in all where option.valueName != nil && option.name != "print-nginx-config" {
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
            let (name, inlineValue) = body.firstIndex(of: "=").map {
                (String(body[..<$0]), Optional(String(body[body.index(after: $0)...])))
            } ?? (String(body), nil)
            guard let option = all.first(where: { $0.name == name }) else {
                throw UsageError(description: "unknown option '--\(name)'; see --help")
            }
            if name == "help" { return .help }
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
        case "allowed-origin": configuration.allowedOrigins = []
        default: break
        }
    }

    /// The text of `--help`.
    static var help: String {
        var text = """
            Usage: livepage-server [options]

            Runs a LivePage server: pages long-poll it for DOM events, send input, and see
            who is online; backends publish to it over HTTP. Serves a demo at / unless
            --no-demo. Every option can also be set by its environment variable; options
            given here win.

            Options:

            """
        for option in all {
            let flag = "--\(option.name)" + (option.valueName.map { " \($0)" } ?? "")
            let variable = ["help", "print-nginx-config"].contains(option.name) ? "" : "  [\(option.environmentVariable)]"
            text += "  " + flag.padding(toLength: 34) + option.help + variable + "\n"
        }
        return text
    }
}

extension String {
    /// The string padded with spaces to `length` characters, or with one space if longer.
    fileprivate func padding(toLength length: Int) -> String {
        count < length ? self + String(repeating: " ", count: length - count) : self + " "
    }
}
