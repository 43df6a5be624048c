#if canImport(Glibc)
    import Glibc
#endif

/// The `Date` header line (RFC 9110 §6.6.1, IMF-fixdate), formatted once per second.
///
/// Each event loop keeps one, so formatting costs one `time` call per response.
struct HTTPDateCache {
    private var second: time_t = -1
    private(set) var line: [UInt8] = []

    /// Returns `Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n` for the current second.
    mutating func headerLine() -> [UInt8] {
        let now = time(nil)
        if now != second {
            second = now
            line = Array("Date: \(Self.format(now))\r\n".utf8)
        }
        return line
    }

    /// Formats `time` as an IMF-fixdate.
    static func format(_ time: time_t) -> String {
        var time = time
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func twoDigits(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(twoDigits(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(twoDigits(parts.tm_hour)):\(twoDigits(parts.tm_min)):\(twoDigits(parts.tm_sec)) GMT"
    }
}
