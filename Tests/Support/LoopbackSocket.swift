public import Glibc

/// A close-on-exec TCP socket bound to a free port on 127.0.0.1: how a test finds a port,
/// holds one that refuses connections (bound, not listening, so no other test's server
/// can take it meanwhile), or listens as a canned peer. The caller closes `fd`.
public struct LoopbackSocket: Sendable {
    /// The bound socket.
    public let fd: Int32
    /// The port it is bound to.
    public let port: Int

    /// Binds a new socket to a free loopback port.
    /// - Parameter backlog: Listen with this backlog; `nil` (the default) binds only, so
    ///   connections to the port are refused.
    /// - Throws: ``ServerProcessError`` naming the errno when it cannot.
    public static func bind(listening backlog: Int32? = nil) throws -> LoopbackSocket {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ServerProcessError("cannot open a socket: errno \(errno)") }
        var address = address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                Glibc.bind(fd, generic, length) == 0 && (backlog.map { listen(fd, $0) == 0 } ?? true)
                    && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(fd)
            throw ServerProcessError("cannot bind a loopback port: errno \(code)")
        }
        return LoopbackSocket(fd: fd, port: Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A loopback port nothing listens on now, found by binding port 0 and letting go: for
    /// a server the test starts on it at once (another process may take it meanwhile).
    public static func freePort() throws -> Int {
        let socket = try bind()
        close(socket.fd)
        return socket.port
    }

    /// The address of `port` on 127.0.0.1.
    public static func address(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return address
    }
}
