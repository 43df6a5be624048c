/// A failed system call: its name and `errno`, turned into a `RedisError` where it
/// reaches a caller.
struct SystemCallError: Error, Equatable, CustomStringConvertible {
    /// The call's name, for example `"connect"`.
    var call: String
    /// The `errno` it set.
    var errno: Int32

    var description: String { "\(call): \(RedisError.describe(errno)) (errno \(errno))" }
}
