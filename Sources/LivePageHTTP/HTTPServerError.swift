import LivePageSystem

/// Why `HTTPServer.start()` failed, in words a user can act on.
///
/// A struct wrapping a private enum, so cases can be added without breaking callers; match
/// with `==` against the static members:
///
/// ```swift
/// do { try server.start() } catch where error == .addressInUse(host: "127.0.0.1", port: 8080) { ... }
/// ```
public struct HTTPServerError: Error, Equatable, CustomStringConvertible {
    private enum Reason: Equatable {
        case addressInUse(host: String, port: Int)
        case cannotBind(host: String, port: Int, errno: Int32)
        case invalidHost(String)
        case alreadyStarted
        case system(call: String, errno: Int32)
    }

    private let reason: Reason

    private init(_ reason: Reason) {
        self.reason = reason
    }

    /// Another socket already listens on this address and port.
    public static func addressInUse(host: String, port: Int) -> HTTPServerError {
        HTTPServerError(.addressInUse(host: host, port: port))
    }

    /// Binding failed for another reason, for example a privileged port (`EACCES`) or an
    /// address this machine does not have (`EADDRNOTAVAIL`).
    public static func cannotBind(host: String, port: Int, errno: Int32) -> HTTPServerError {
        HTTPServerError(.cannotBind(host: host, port: port, errno: errno))
    }

    /// The configured host is not an IPv4 or IPv6 address literal nor `localhost`.
    public static func invalidHost(_ host: String) -> HTTPServerError {
        HTTPServerError(.invalidHost(host))
    }

    /// `start()` was called on a server that was already started.
    public static let alreadyStarted = HTTPServerError(.alreadyStarted)

    /// A system call failed: its name and `errno`.
    public static func system(call: String, errno: Int32) -> HTTPServerError {
        HTTPServerError(.system(call: call, errno: errno))
    }

    /// A sentence saying what went wrong and what to do about it.
    public var description: String {
        switch reason {
        case .addressInUse(let host, let port):
            "port \(port) on \(host) is already in use: stop the other server or choose another port"
        case .cannotBind(let host, let port, let code):
            "cannot listen on \(host) port \(port): \(SystemCallError.describe(code))"
                + (code == 13 ? " (ports below 1024 need privileges)" : "")
        case .invalidHost(let host):
            "the host \"\(host)\" is not an IP address: use one such as 127.0.0.1, ::1, 0.0.0.0 or ::"
        case .alreadyStarted:
            "the server was already started"
        case .system(let call, let code):
            "\(call) failed: \(SystemCallError.describe(code)) (errno \(code))"
        }
    }
}
