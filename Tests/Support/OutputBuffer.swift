import Glibc
import Synchronization

/// Collects what a child writes to one pipe, on a thread of its own, so that the child
/// never blocks on a full pipe however little the test reads.
final class OutputBuffer: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var ended = false
        /// What to run, on the reading thread, as soon as `marker` has been read.
        var trigger: (marker: [UInt8], action: @Sendable () -> Void)?

        /// Takes the trigger if its marker has been read.
        mutating func takeTriggerIfDue() -> (@Sendable () -> Void)? {
            guard let trigger, bytes.firstRange(of: trigger.marker) != nil else { return nil }
            self.trigger = nil
            return trigger.action
        }
    }

    private let state = Mutex(State())

    /// Starts reading `fd` until its end, then closes it.
    init(reading fd: Int32) {
        let started = BlockingThread.start { [self] in
            var chunk = [UInt8](repeating: 0, count: 16384)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    let due = state.withLock { state in
                        state.bytes += chunk[..<count]
                        return state.takeTriggerIfDue()
                    }
                    due?()
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

    /// Runs `action` once `marker` has been read: at once if it has, else on the reading
    /// thread the moment its chunk arrives, with no polling delay.
    func whenRead(_ marker: String, run action: @escaping @Sendable () -> Void) {
        let due = state.withLock { state in
            state.trigger = (Array(marker.utf8), action)
            return state.takeTriggerIfDue()
        }
        due?()
    }
}
