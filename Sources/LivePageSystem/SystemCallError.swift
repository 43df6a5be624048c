#if canImport(Glibc)
    import Glibc
#endif

/// A failed system call: its name and `errno`, so a log line says what failed and why.
/// The HTTP engine and the Redis client turn it into their own errors where it reaches a
/// caller.
package struct SystemCallError: Error, Equatable, CustomStringConvertible {
    /// The call's name, for example `"accept4"`.
    package var call: String
    /// The `errno` it set.
    package var errno: Int32

    package init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    package var description: String { "\(call): \(Self.describe(errno)) (errno \(errno))" }

    /// The C library's message for `code`, for example "Address already in use".
    package static func describe(_ code: Int32) -> String {
        guard let message = strerror(code) else { return "error \(code)" }
        return String(cString: message)
    }
}
