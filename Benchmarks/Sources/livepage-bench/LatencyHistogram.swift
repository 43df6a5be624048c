/// Delivery latencies in a log-linear histogram: exact below 128 µs, then 64 buckets per
/// power of two (at most 1.6 % bucket error). The maximum is kept exactly. A percentile is
/// its bucket's midpoint, never above the maximum.
struct LatencyHistogram {
    private static let subBuckets = 64
    private static let bucketCount = 128 + 40 * subBuckets

    private var buckets = [UInt64](repeating: 0, count: bucketCount)
    /// Samples recorded.
    private(set) var count: UInt64 = 0
    /// The largest sample, in nanoseconds.
    private(set) var maximumNanoseconds: UInt64 = 0

    /// Records one latency, in nanoseconds.
    @inline(__always)
    mutating func record(nanoseconds: UInt64) {
        buckets[Self.bucket(microseconds: nanoseconds / 1000)] &+= 1
        count &+= 1
        if nanoseconds > maximumNanoseconds { maximumNanoseconds = nanoseconds }
    }

    /// The latency at `fraction` (0.5 for the median), in milliseconds; 0 when empty.
    func percentileMilliseconds(_ fraction: Double) -> Double {
        guard count > 0 else { return 0 }
        let wanted = max(1, UInt64((fraction * Double(count)).rounded(.up)))
        let maximum = Double(maximumNanoseconds) / 1e6
        var accumulated: UInt64 = 0
        for (index, samples) in buckets.enumerated() {
            accumulated += samples
            if accumulated >= wanted { return min(Self.midpointMicroseconds(index) / 1000, maximum) }
        }
        return maximum
    }

    /// The largest latency, in milliseconds.
    var maximumMilliseconds: Double { Double(maximumNanoseconds) / 1e6 }

    @inline(__always)
    private static func bucket(microseconds: UInt64) -> Int {
        if microseconds < 128 { return Int(microseconds) }
        let exponent = 63 - microseconds.leadingZeroBitCount
        let index = 128 + (exponent - 7) * subBuckets + Int((microseconds >> UInt64(exponent - 6)) & UInt64(subBuckets - 1))
        return min(index, bucketCount - 1)
    }

    private static func midpointMicroseconds(_ index: Int) -> Double {
        if index < 128 { return Double(index) + 0.5 }
        let exponent = (index - 128) / subBuckets + 7
        let mantissa = (index - 128) % subBuckets
        let low = Double(UInt64(subBuckets + mantissa) << UInt64(exponent - 6))
        return low + Double(UInt64(1) << UInt64(exponent - 6)) / 2
    }
}
