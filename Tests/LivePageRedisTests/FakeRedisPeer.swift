import CLinuxSystem
import Glibc
import LivePageRedis
import LivePageTestSupport
import Synchronization
import Testing

/// A TCP peer on a loopback port that speaks just enough RESP2 to stand in for a broken or
/// hostile Redis: it decodes each command and answers with whatever bytes `respond` gives
/// (closing the connection when it gives `nil`). Connections are served one at a time, on
/// a thread of its own.
final class FakeRedisPeer: Sendable {
    /// The port it listens on.
    let port: Int
    /// The listening socket, until the serving thread closes it. Shut down and closed only
    /// under the lock, so `stop()` never touches a descriptor reused by someone else.
    private let listener: Mutex<Int32?>

    /// Starts listening.
    /// - Parameter respond: The bytes to answer a command (its arguments as text) with.
    init(respond: @escaping @Sendable ([String]) -> [UInt8]?) throws {
        let socket = try LoopbackSocket.bind(listening: 16)
        let fd = socket.fd
        listener = Mutex(fd)
        port = socket.port
        BlockingThread.start { [self] in
            Self.serve(listener: fd, respond: respond)
            listener.withLock { fd in
                if let open = fd { close(open) }
                fd = nil
            }
        }
    }

    /// Stops accepting; the thread ends once its current connection does.
    func stop() {
        listener.withLock { fd in
            if let open = fd { shutdown(open, Int32(SHUT_RDWR)) }
        }
    }

    private static func serve(listener: Int32, respond: @Sendable ([String]) -> [UInt8]?) {
        while true {
            // Close-on-exec at once: a connection inherited by a child that another test
            // spawns meanwhile would stay open there, and the client would never see it close.
            let connection = accept4(listener, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            converse(on: connection, respond: respond)
            close(connection)
        }
    }

    private static func converse(on connection: Int32, respond: @Sendable ([String]) -> [UInt8]?) {
        var decoder = RESPDecoder()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            decoder.append(buffer[..<count])
            while let command = try? decoder.next() {
                let arguments = command.array?.compactMap(\.string) ?? []
                guard let reply = respond(arguments) else { return }
                var offset = 0
                while offset < reply.count {
                    let sent = reply[offset...].withUnsafeBytes {
                        send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                    }
                    if sent < 0, errno == EINTR { continue }
                    guard sent > 0 else { return }
                    offset += sent
                }
            }
        }
    }
}
