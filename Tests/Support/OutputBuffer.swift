import Glibc
import Synchronization

/// Collects what a child writes to one pipe, on a thread of its own, so that the child
/// never blocks on a full pipe however little the test reads.
final class OutputBuffer: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var ended = false
    }

    private let state = Mutex(State())

    /// Starts reading `fd` until its end, then closes it.
    init(reading fd: Int32) {
        let started = BlockingThread.start { [self] in
            var chunk = [UInt8](repeating: 0, count: 16384)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    state.withLock { $0.bytes += chunk[..<count] }
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            Glibc.close(fd)
            state.withLock { $0.ended = true }
        }
        if !started {
            Glibc.close(fd)
            state.withLock { $0.ended = true }
        }
    }

    /// What has been read so far, as UTF-8 text.
    var text: String { String(decoding: state.withLock { $0.bytes }, as: UTF8.self) }

    /// Whether the pipe has reached its end.
    var ended: Bool { state.withLock { $0.ended } }
}
