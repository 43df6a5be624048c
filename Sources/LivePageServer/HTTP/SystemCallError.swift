#if canImport(Glibc)
    import Glibc
#endif

/// A failed system call: its name and `errno`, so a log line says what failed and why.
struct SystemCallError: Error, Equatable, CustomStringConvertible {
    /// The call's name, for example `"accept4"`.
    var call: String
    /// The `errno` it set.
    var errno: Int32

    var description: String { "\(call): \(Self.describe(errno)) (errno \(errno))" }

    /// The C library's message for `code`, for example "Address already in use".
    static func describe(_ code: Int32) -> String {
        guard let message = strerror(code) else { return "error \(code)" }
        return String(cString: message)
    }
}
