/// Why a run could not be done at all: a bad command line, or a failure that leaves
/// nothing to measure (the server does not start, a system call fails).
///
/// `livepage-bench` prints the description on stderr and exits with status 2. Losses
/// and duplicates are not errors: they are measured and reported (exit status 1).
struct BenchError: Error, CustomStringConvertible {
    private enum Kind {
        case usage
        case fatal
    }

    private let kind: Kind

    /// One sentence saying what went wrong and, where it helps, what to do.
    let message: String

    /// A bad option or value; the message names it.
    static func usage(_ message: String) -> BenchError { BenchError(kind: .usage, message: message) }

    /// A failure that ends the run before it measured anything useful.
    static func fatal(_ message: String) -> BenchError { BenchError(kind: .fatal, message: message) }

    /// A failed system call, with its name and errno text.
    static func systemCall(_ name: String, errno code: Int32) -> BenchError {
        BenchError(kind: .fatal, message: "\(name): \(System.describe(errno: code))")
    }

    /// Whether this is a usage error (the caller may then point at `--help`).
    var isUsage: Bool { kind == .usage }

    var description: String { message }
}
