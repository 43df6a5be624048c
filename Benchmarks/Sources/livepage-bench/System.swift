import CBenchSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The few system facilities the benchmark uses outside its sockets: the monotonic
/// clock, the process's own CPU time, the open-file limit, and errno text.
enum System {
    /// `CLOCK_MONOTONIC` in nanoseconds: the clock of the publish stamps and of every
    /// latency, so sender and receiver (both this process) share it, with no skew.
    @inline(__always)
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// This process's user plus system CPU time, in seconds.
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }

    /// Raises the soft open-file limit to the hard limit (20,000 on the reference
    /// machine). A server started afterwards inherits it.
    /// - Returns: The soft limit now in force.
    static func raiseFileLimit() -> Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return Int(clamping: limit.rlim_cur)
    }

    /// The text of an errno value, such as "Connection refused".
    static func describe(errno code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }

    /// The calling thread's errno.
    @inline(__always)
    static var errno: Int32 { Glibc.errno }
}
