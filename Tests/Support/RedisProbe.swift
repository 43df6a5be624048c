import Glibc

/// Tells whether a given redis-server is the one answering on a loopback port: what a test
/// that starts its own server waits for before it connects.
public enum RedisProbe {
    /// Whether the redis-server with process id `pid` answers on the loopback `port`: its
    /// `INFO server` names that process.
    ///
    /// A connection alone proves nothing: another test's server may hold the port (this
    /// one then failed to bind it), and a connection to a port nothing listens on can
    /// connect the socket to itself when the kernel happens to pick that port as its
    /// source. Either let a test start with no server of its own, and fail with
    /// "Connection refused" once the other went away.
    public static func answers(port: Int, pid: Int32, password: String?) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = LoopbackSocket.address(port: port)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        let commands = password.map { "AUTH \($0)\r\n" } ?? ""
        let request = Array((commands + "INFO server\r\n").utf8)
        guard connected,
            request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count
        else { return false }
        // The replies: `+OK` to AUTH if sent, then one bulk string, `$<length>\r\n<bytes>\r\n`.
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while reply.count < 1 << 16 {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return false }
            reply += buffer[0..<count]
            var bulk = reply[...]
            if password != nil {
                guard bulk.first == UInt8(ascii: "+") else { return false }  // AUTH refused
                guard let okEnd = bulk.firstIndex(of: UInt8(ascii: "\n")) else { continue }
                bulk = bulk[(okEnd + 1)...]
                if bulk.isEmpty { continue }
            }
            guard bulk.first == UInt8(ascii: "$") else { return false }
            guard let lineEnd = bulk.firstIndex(of: UInt8(ascii: "\n")) else { continue }
            let digits = bulk[(bulk.startIndex + 1)..<lineEnd].filter { $0 != UInt8(ascii: "\r") }
            guard let length = Int(String(decoding: digits, as: UTF8.self)) else { return false }
            if reply.count >= lineEnd + 1 + length {
                return String(decoding: reply[(lineEnd + 1)...], as: UTF8.self).contains("process_id:\(pid)\r\n")
            }
        }
        return false
    }
}
