import LivePageSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Wakes a connection's thread from `poll`: any thread writes a byte to one end of a
/// socket pair, the connection's thread polls the other.
///
/// A socket pair rather than an eventfd because Glibc exports it to Swift and the Redis
/// module has no C target. Both ends are non-blocking and close-on-exec. They are closed
/// when the last owner lets go (the connection's thread and its public handle both hold
/// one), so a late `signal()` can never write into a descriptor reused by someone else.
final class WakeSignal: Sendable {
    /// The end the connection's thread polls for `POLLIN`.
    let readDescriptor: Int32
    private let writeDescriptor: Int32

    /// Opens the socket pair.
    /// - Throws: `RedisError.system(call:errno:)` when it cannot.
    init() throws(RedisError) {
        var ends: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &ends) == 0 else { throw .system(call: "socketpair", errno: errno) }
        readDescriptor = ends[0]
        writeDescriptor = ends[1]
    }

    deinit {
        System.close(readDescriptor)
        System.close(writeDescriptor)
    }

    /// Makes the read end readable. A full buffer already is, so would-block is ignored.
    func signal() {
        var byte: UInt8 = 1
        _ = try? System.call("send") { Glibc.send(writeDescriptor, &byte, 1, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads every pending byte, so the next `poll` waits again.
    func drain() {
        var bytes = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while true {
            let result = withUnsafeMutableBytes(of: &bytes) { buffer in
                try? System.read(readDescriptor, into: buffer)
            }
            guard case .processed(let count) = result, count > 0 else { return }
        }
    }
}
