/// Why a ``TestHTTPClient`` operation failed.
public struct TestHTTPClientError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The operation's deadline passed first.
        case timedOut
        /// The peer closed (or reset) the connection before the response was complete.
        case closed
        /// The bytes received are not an HTTP/1.1 response.
        case malformed
        /// A system call failed with `errno`.
        case system(call: String, errno: Int32)
    }

    /// What went wrong.
    public let kind: Kind
    /// What the client was doing, and what it had received.
    public let detail: String

    /// An error of `kind`.
    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// The kind and the detail.
    public var description: String {
        switch kind {
        case .timedOut: "timed out: \(detail)"
        case .closed: "connection closed: \(detail)"
        case .malformed: "malformed response: \(detail)"
        case .system(let call, let code): "\(call) failed (errno \(code)): \(detail)"
        }
    }
}
