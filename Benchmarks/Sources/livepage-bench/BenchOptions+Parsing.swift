extension BenchOptions {
    /// What the command line asks for: a run, or the help text.
    enum Invocation {
        case run(BenchOptions)
        case help
    }

    /// Parses `arguments` (without the program name). Takes `--name value` and
    /// `--name=value`.
    /// - Throws: `BenchError.usage` naming the bad option or value.
    static func parse(_ arguments: [String]) throws(BenchError) -> Invocation {
        var options = BenchOptions()
        var index = 0
        while index < arguments.count {
            var name = arguments[index]
            var inlineValue: String?
            if name.hasPrefix("--"), let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            index += 1
            func value() throws(BenchError) -> String {
                if let inlineValue { return inlineValue }
                guard index < arguments.count else { throw .usage("\(name) needs a value") }
                index += 1
                return arguments[index - 1]
            }
            switch name {
            case "-h", "--help": return .help
            case "-v", "--verbose": options.verbose = true
            case "--scenario":
                let text = try value()
                guard let scenario = Scenario(rawValue: text) else {
                    throw .usage("--scenario must be fanout, throughput, hold or idle, not '\(text)'")
                }
                options.scenario = scenario
            case "--proto":
                let text = try value()
                guard let wireProtocol = WireProtocol(rawValue: text) else {
                    throw .usage("--proto must be livepage or nchan, not '\(text)'")
                }
                options.wireProtocol = wireProtocol
            case "--sub-path": options.subscriberPath = try value()
            case "--pub-path": options.publisherPath = try value()
            case "--status-path": options.statusPath = try value()
            case "--server": options.serverPath = try value()
            case "--server-arg": options.serverArguments.append(try value())
            case "--server-log": options.serverLog = try value()
            case "--allow-debug-server": options.allowDebugServer = true
            case "--port": options.attachPort = try integer(name, try value(), in: 1...65535)
            case "--host": options.host = try value()
            case "--server-pid":
                for part in try value().split(separator: ",") {
                    options.serverPIDs.append(Int32(try integer(name, String(part), in: 1...Int(Int32.max))))
                }
            case "--publish-key": options.publishKey = try value()
            case "--prefix": options.prefix = try value()
            case "--location": options.location = try value()
            case "--parked-metric": options.parkedMetric = try value()
            case "--clients": options.clients = try integer(name, try value(), in: 1...1_000_000)
            case "--messages": options.messages = try integer(name, try value(), in: 1...10_000_000)
            case "--rate": options.rate = try number(name, try value(), in: 0.001...1_000_000)
            case "--duration": options.duration = try number(name, try value(), in: 0.001...3600)
            case "--publishers": options.publishers = try integer(name, try value(), in: 1...64)
            case "--window": options.window = try integer(name, try value(), in: 1...1_000_000)
            case "--max-messages": options.maxMessages = try integer(name, try value(), in: 1...100_000_000)
            case "--timeout": options.timeout = try number(name, try value(), in: 0.001...3600)
            case "--path": options.idlePath = try value()
            case "--src-addrs": options.sourceAddresses = try integer(name, try value(), in: 0...250)
            case "--src-base": options.sourceBase = try integer(name, try value(), in: 1...254)
            case "--connect-concurrency": options.connectConcurrency = try integer(name, try value(), in: 1...1_000_000)
            case "--connect-timeout": options.connectTimeout = try number(name, try value(), in: 0.001...3600)
            case "--settle": options.settle = try number(name, try value(), in: 0...600)
            case "--settle-timeout": options.settleTimeout = try number(name, try value(), in: 0...3600)
            default:
                throw .usage("unknown option '\(name)'")
            }
        }
        try options.validate()
        return .run(options)
    }

    /// Checks what single options cannot: combinations, and the loopback-only rule.
    private mutating func validate() throws(BenchError) {
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127", octets.allSatisfy({ UInt8($0) != nil }) else {
            throw .usage("--host must be an IPv4 loopback address (127.0.0.0/8), not '\(host)'")
        }
        if sourceBase + max(sourceAddressCount, 1) - 1 > 254 {
            throw .usage("--src-base \(sourceBase) with \(sourceAddressCount) source addresses goes past 127.0.0.254")
        }
        if !prefix.hasPrefix("/") { throw .usage("--prefix must start with '/'") }
        for (name, path) in [("--sub-path", subscriberPath), ("--pub-path", publisherPath)] where !path.hasPrefix("/") {
            throw .usage("\(name) must start with '/'")
        }
        if !statusPath.isEmpty, !statusPath.hasPrefix("/") { throw .usage("--status-path must start with '/' (or be '')") }
        if wireProtocol == .nchan, attachPort == nil {
            throw .usage(
                "--proto nchan measures nginx + Nchan already running: start it with Benchmarks/nchan.sh, "
                    + "then give its --port and --server-pid")
        }
        while prefix.count > 1, prefix.hasSuffix("/") { prefix.removeLast() }
        if attachPort == nil {
            if !serverPIDs.isEmpty { throw .usage("--server-pid goes with --port (a started server is sampled by itself)") }
            if serverPath.split(separator: "/").contains("debug"), !allowDebugServer {
                throw .usage(
                    "\(serverPath) is a debug build; benchmark a release build (swift build -c release), "
                        + "or pass --allow-debug-server")
            }
            if let publishKey, publishKey.utf8.count < 16 {
                throw .usage("--publish-key must be at least 16 bytes (livepage-server refuses shorter keys)")
            }
        } else {
            if !serverArguments.isEmpty || serverLog != nil {
                throw .usage("--server-arg and --server-log are for a started server, not with --port")
            }
            if scenario.publishes, wireProtocol == .livepage, publishKey == nil {
                throw .usage("\(scenario.rawValue) against a running server (--port) needs its --publish-key")
            }
        }
        if scenario != .idle, idlePath != nil { throw .usage("--path is for --scenario idle") }
    }

    private static func integer(_ name: String, _ text: String, in range: ClosedRange<Int>) throws(BenchError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw .usage("\(name) wants a whole number in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
        }
        return value
    }

    private static func number(_ name: String, _ text: String, in range: ClosedRange<Double>) throws(BenchError) -> Double {
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw .usage("\(name) wants a number in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
        }
        return value
    }
}
