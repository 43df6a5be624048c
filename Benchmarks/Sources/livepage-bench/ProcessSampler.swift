#if canImport(Glibc)
    import Glibc
#endif

/// Samples the server's resident memory and CPU time from /proc: `VmRSS` from `status`,
/// `Pss` from `smaps_rollup` (shared pages counted once), and utime + stime from `stat`,
/// summed over the server's processes.
struct ProcessSampler {
    /// The processes sampled: the given pids and, when asked, their children (an nginx
    /// master's workers).
    let pids: [Int32]

    /// Resolves the processes to sample.
    init(pids: [Int32], includingChildren: Bool) {
        var all = pids
        if includingChildren, !pids.isEmpty {
            for name in FileReading.directoryEntries(atPath: "/proc") {
                guard let pid = Int32(name), !all.contains(pid), let parent = Self.parent(of: pid),
                    pids.contains(parent)
                else { continue }
                all.append(pid)
            }
        }
        self.pids = all
    }

    /// Whether there is anything to sample.
    var isEmpty: Bool { pids.isEmpty }

    /// Summed VmRSS and Pss in KiB; -1 for what cannot be read (the processes are gone).
    func memory() -> (rssKiB: Int, pssKiB: Int) {
        guard !pids.isEmpty else { return (-1, -1) }
        var rss = 0
        var pss = 0
        var pssComplete = true
        var rssRead = false
        for pid in pids {
            if let value = Self.kibField("VmRSS:", inFile: "/proc/\(pid)/status") {
                rss += value
                rssRead = true
            }
            if let value = Self.kibField("Pss:", inFile: "/proc/\(pid)/smaps_rollup") {
                pss += value
            } else {
                pssComplete = false
            }
        }
        return (rssRead ? rss : -1, pssComplete ? pss : -1)
    }

    /// Summed CPU time in seconds, all of it and the kernel's (system) part; -1 each if
    /// nothing is sampled. The kernel's part of a long-poll server is mostly the sends and
    /// receives of the deliveries, which any server makes: it says how much of the total
    /// user space can change.
    func cpuSeconds() -> (total: Double, system: Double) {
        guard !pids.isEmpty else { return (-1, -1) }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        var system = 0.0
        for pid in pids {
            guard let fields = Self.statFields(of: pid), fields.count > 12,
                let pidUser = Double(fields[11]), let pidSystem = Double(fields[12])
            else { continue }
            total += (pidUser + pidSystem) / ticks
            system += pidSystem / ticks
        }
        return (total, system)
    }

    /// The fields of /proc/PID/stat after the command name: field 3 (state) is index 0,
    /// so the parent pid is 1, utime 11 and stime 12.
    private static func statFields(of pid: Int32) -> [Substring]? {
        guard let text = FileReading.text(atPath: "/proc/\(pid)/stat", limit: 4096),
            let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    private static func parent(of pid: Int32) -> Int32? {
        guard let fields = statFields(of: pid), fields.count > 1 else { return nil }
        return Int32(fields[1])
    }

    private static func kibField(_ name: String, inFile path: String) -> Int? {
        guard let text = FileReading.text(atPath: path, limit: 65536) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            return Int(line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }
}
