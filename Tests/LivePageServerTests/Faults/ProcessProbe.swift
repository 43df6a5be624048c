import Glibc

/// What `/proc` says of a running process: its resident memory, the CPU time it has used
/// and the descriptors it holds. The fault tests read these of the server process, which
/// runs apart from the test, so the figures are the server's own.
struct ProcessProbe: Sendable {
    /// The process id.
    let pid: Int32

    /// `VmRSS` from `/proc/PID/status`, in KiB, or `nil` when the process is gone.
    func residentKiB() -> Int? {
        guard let text = Self.read("/proc/\(pid)/status"),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }

    /// User plus system CPU time so far, in seconds, from `/proc/PID/stat`, or `nil`.
    func cpuSeconds() -> Double? {
        // The fields after the ")" that ends the command name: utime is the 14th field of
        // the line, stime the 15th, so the 12th and 13th after the name.
        guard let text = Self.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The number of open descriptors, from `/proc/PID/fd`, or `nil`.
    func openDescriptors() -> Int? {
        guard let directory = opendir("/proc/\(pid)/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { $0.prefix { $0 != 0 } }
            if !name.elementsEqual(".".utf8), !name.elementsEqual("..".utf8) { count += 1 }
        }
        return count
    }

    /// Whether the process is still running (not a zombie).
    var isRunning: Bool {
        guard let text = Self.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return false }
        return text[text.index(after: close)...].split(separator: " ").first != "Z"
    }

    private static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes += chunk[..<count]
            } else if count < 0, errno == EINTR {
                continue
            } else {
                break
            }
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}

/// Raises this process's soft descriptor limit to its hard limit, so that a test can hold
/// thousands of sockets (and a server it starts inherits the same room).
/// - Returns: The soft limit now in force.
@discardableResult
func raiseDescriptorLimitToHard() -> Int {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
    return Int(clamping: limit.rlim_cur)
}

/// Resident memory samples of a process taken over a run, with the figures a test prints.
struct MemorySamples: Sendable {
    /// Seconds since the start, and KiB resident then.
    private(set) var samples: [(seconds: Double, kiB: Int)] = []

    mutating func add(seconds: Double, kiB: Int) { samples.append((seconds, kiB)) }

    var first: Int { samples.first?.kiB ?? 0 }
    var last: Int { samples.last?.kiB ?? 0 }
    var maximum: Int { samples.map(\.kiB).max() ?? 0 }

    /// The largest sample taken at or after `seconds`.
    func maximum(from seconds: Double) -> Int {
        samples.filter { $0.seconds >= seconds }.map(\.kiB).max() ?? 0
    }

    /// The largest sample taken before `seconds`.
    func maximum(before seconds: Double) -> Int {
        samples.filter { $0.seconds < seconds }.map(\.kiB).max() ?? 0
    }

    /// One line per second or so: `t=3.0s 12345 KiB`.
    var table: String {
        var lines: [String] = []
        var nextSecond = 0.0
        for sample in samples where sample.seconds >= nextSecond {
            lines.append("  t=\(Int(sample.seconds))s \(sample.kiB) KiB")
            nextSecond = sample.seconds.rounded(.down) + 1
        }
        return lines.joined(separator: "\n")
    }
}
