#if canImport(Glibc)
    import Glibc
#endif

/// A point on the monotonic clock (`CLOCK_MONOTONIC`), in nanoseconds since an arbitrary
/// origin: the one type for time of the event loops, the loop-backed clock and the Redis
/// client, so that a deadline computed by one is understood by the others.
///
/// The timeout state machines take the time as a parameter instead of reading a clock, so
/// tests drive them with values such as `MonotonicTime(milliseconds: 300)`.
package struct MonotonicTime: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the clock's origin.
    package var nanoseconds: UInt64

    /// The time `nanoseconds` after the origin.
    package init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    /// The time `milliseconds` after the origin.
    package init(milliseconds: UInt64) {
        self.nanoseconds = milliseconds * 1_000_000
    }

    /// Now, from `CLOCK_MONOTONIC`.
    package static func now() -> MonotonicTime {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return MonotonicTime(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    package static func < (lhs: MonotonicTime, rhs: MonotonicTime) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// `time` plus `nanoseconds`, saturating instead of overflowing.
    package static func + (time: MonotonicTime, nanoseconds: UInt64) -> MonotonicTime {
        let (sum, overflow) = time.nanoseconds.addingReportingOverflow(nanoseconds)
        return MonotonicTime(nanoseconds: overflow ? .max : sum)
    }

    /// `time` plus `duration` (0 for a negative one), saturating instead of overflowing.
    package static func + (time: MonotonicTime, duration: Duration) -> MonotonicTime {
        time + duration.nanoseconds
    }

    /// The time from `earlier` to `later`, zero if `earlier` is the later one.
    package static func - (later: MonotonicTime, earlier: MonotonicTime) -> Duration {
        later < earlier ? .zero : .nanoseconds(Int64(clamping: later.nanoseconds - earlier.nanoseconds))
    }

    package var description: String { "\(nanoseconds / 1_000_000) ms" }
}

extension Duration {
    /// The duration in whole nanoseconds, 0 for negative durations, saturating at
    /// `Int64.max` (so that it converts back to a `Duration` without trapping).
    package var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let total = whole.addingReportingOverflow(UInt64(max(0, attoseconds) / 1_000_000_000))
        return overflow || total.overflow ? UInt64(Int64.max) : min(total.partialValue, UInt64(Int64.max))
    }
}
