extension Duration {
    /// The duration in whole nanoseconds, 0 for negative durations, saturating at
    /// `Int64.max`.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let total = whole.addingReportingOverflow(UInt64(max(0, attoseconds) / 1_000_000_000))
        return overflow || total.overflow ? UInt64(Int64.max) : min(total.partialValue, UInt64(Int64.max))
    }

    /// The duration in whole milliseconds rounded up, as `poll` takes it, 0 for negative
    /// durations and at most `Int32.max`.
    var pollMilliseconds: Int32 {
        let milliseconds = (nanoseconds + 999_999) / 1_000_000
        return Int32(min(milliseconds, UInt64(Int32.max)))
    }
}
