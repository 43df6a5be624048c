#if canImport(Glibc)
    import Glibc
#endif

/// A point on the monotonic clock, in nanoseconds since an arbitrary origin.
///
/// The timeout state machines take the time as a parameter instead of reading a clock, so
/// tests drive them with values such as `MonotonicTime(milliseconds: 300)`.
struct MonotonicTime: Comparable, Hashable, Sendable, CustomStringConvertible {
    var nanoseconds: UInt64

    init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    init(milliseconds: UInt64) {
        self.nanoseconds = milliseconds * 1_000_000
    }

    /// Now, from `CLOCK_MONOTONIC`.
    static func now() -> MonotonicTime {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return MonotonicTime(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    static func < (lhs: MonotonicTime, rhs: MonotonicTime) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// `time` plus `nanoseconds`, saturating instead of overflowing.
    static func + (time: MonotonicTime, nanoseconds: UInt64) -> MonotonicTime {
        let (sum, overflow) = time.nanoseconds.addingReportingOverflow(nanoseconds)
        return MonotonicTime(nanoseconds: overflow ? .max : sum)
    }

    var description: String { "\(nanoseconds / 1_000_000) ms" }
}

extension Duration {
    /// The duration in whole nanoseconds, 0 for negative durations, saturating at `UInt64.max`.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole + UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
