import CBenchSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The socket calls of a client connection: non-blocking TCP to a loopback address,
/// optionally from a chosen source address. Each call retries `EINTR` and returns
/// would-block as a value.
enum ClientSocket {
    /// The outcome of a non-blocking read or write.
    enum IOResult {
        /// Bytes moved; 0 from `receive` is the end of the stream.
        case done(Int)
        /// The call would block; wait for the next edge.
        case wouldBlock
        /// The connection failed with this errno.
        case failed(Int32)
    }

    /// Why a connection could not be started.
    enum OpenFailure: Error {
        /// No free (source address, port) pair: `EADDRNOTAVAIL`.
        case addressUnavailable
        /// The process is out of descriptors.
        case outOfDescriptors
        /// Another errno, with the call that failed.
        case failed(String, Int32)
    }

    /// Starts a connection to `destination`, bound to `source` if given, with
    /// `TCP_NODELAY` and `IP_BIND_ADDRESS_NO_PORT` (the port is picked at connect time).
    /// - Returns: The descriptor, and whether it connected at once.
    static func open(to destination: sockaddr_in, from source: in_addr?) throws(OpenFailure) -> (fd: Int32, connected: Bool) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            let code = System.errno
            if code == EMFILE || code == ENFILE { throw .outOfDescriptors }
            throw .failed("socket", code)
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if let source {
            setsockopt(fd, Int32(IPPROTO_IP), cbench_ip_bind_address_no_port(), &one, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr = source
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if bound != 0 {
                let code = System.errno
                close(fd)
                if code == EADDRNOTAVAIL || code == EADDRINUSE { throw .addressUnavailable }
                throw .failed("bind", code)
            }
        }
        var target = destination
        while true {
            let result = withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if result == 0 { return (fd, true) }
            let code = System.errno
            if code == EINTR { continue }
            if code == EINPROGRESS { return (fd, false) }
            close(fd)
            if code == EADDRNOTAVAIL { throw .addressUnavailable }
            throw .failed("connect", code)
        }
    }

    /// The pending error of a connection that became writable or failed (`SO_ERROR`).
    static func pendingError(_ fd: Int32) -> Int32 {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
        return code
    }

    /// Writes without raising `SIGPIPE`.
    @inline(__always)
    static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> IOResult {
        while true {
            let sent = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if sent >= 0 { return .done(sent) }
            let code = System.errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            return .failed(code)
        }
    }

    /// Reads into `buffer`.
    @inline(__always)
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        while true {
            let received = recv(fd, buffer.baseAddress, buffer.count, 0)
            if received >= 0 { return .done(received) }
            let code = System.errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            return .failed(code)
        }
    }

    /// The IPv4 socket address of `host` (dotted quad) and `port`.
    static func address(host: String, port: Int) -> sockaddr_in? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        return address
    }
}
