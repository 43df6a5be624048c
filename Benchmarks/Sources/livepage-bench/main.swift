// livepage-bench: LivePage's wire benchmark. Parses the command line, starts (or attaches
// to) a livepage-server, or attaches to nginx + Nchan, runs the load, stops a server it
// started, prints the report. Exit status
// 0 for a clean run, 1 when events were lost, duplicated or out of order (or a phase ran
// out of time), 2 for a usage error or a failure before anything was measured.

import CBenchSystem

#if canImport(Glibc)
    import Glibc
#endif

cbench_install_stop_handlers()
cbench_line_buffer_stdout()

let invocation: BenchOptions.Invocation
do {
    invocation = try BenchOptions.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    printError(error.description + (error.isUsage ? " (see --help)" : ""))
    exit(2)
}
guard case .run(let options) = invocation else {
    print(BenchOptions.help, terminator: "")
    exit(0)
}
exit(runBenchmark(options))

/// Runs one benchmark and returns the exit status.
func runBenchmark(_ options: BenchOptions) -> Int32 {
    let fileLimit = System.raiseFileLimit()
    let needed = options.clients + options.publishers + 32
    guard fileLimit >= needed else {
        printError(
            "\(options.clients) connections need about \(needed) open files, "
                + "but RLIMIT_NOFILE's hard limit is \(fileLimit); use fewer --clients")
        return 2
    }
    var server: ServerProcess?
    do {
        let publishKey: String
        if options.startsServer {
            publishKey = options.publishKey ?? randomKey()
            let logPath = options.serverLog ?? "/tmp/livepage-bench-server.\(getpid()).log"
            server = try ServerProcess.start(
                path: options.serverPath, host: options.host, publishKey: publishKey,
                extraArguments: options.serverArguments, logPath: logPath)
        } else {
            publishKey = options.publishKey ?? ""
        }
        let port = server?.port ?? options.attachPort ?? 0
        let pids = server.map { [$0.pid] } ?? options.serverPIDs
        let sampler = ProcessSampler(pids: pids, includingChildren: server == nil)
        let generator = try LoadGenerator(options: options, port: port, publishKey: publishKey, sampler: sampler)
        let origin = server.map { "started \(options.serverPath) (pid \($0.pid), log \($0.logPath))" } ?? "attached"
        print(
            "livepage-bench: \(options.wireProtocol.rawValue) \(options.scenario.rawValue) against \(options.host):\(port), \(origin); "
                + "\(options.clients) clients over \(max(options.sourceAddressCount, 1)) source address(es); "
                + "sampling pids: \(sampler.pids.isEmpty ? "none" : sampler.pids.map(String.init).joined(separator: " "))")
        let measurements = try generator.run()
        let stop = server?.stop(timeout: 20)
        let report = Report(
            options: options, generator: generator, measurements: measurements,
            serverStop: (server != nil, stop?.exitStatus, stop?.seconds ?? 0), serverPIDs: sampler.pids)
        report.print()
        return report.isClean ? 0 : 1
    } catch {
        server?.stop(timeout: 20)
        printError(error.description + (error.isUsage ? " (see --help)" : ""))
        return 2
    }
}

/// 32 hex digits from /dev/urandom: a publish key for the started server.
func randomKey() -> String {
    let bytes = FileReading.bytes(atPath: "/dev/urandom", limit: 16) ?? []
    guard bytes.count == 16 else { return "livepage-bench-\(getpid())-\(System.now())" }
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
}
