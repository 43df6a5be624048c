import LivePageSystem

/// A connected socket with its decoder and the bytes still to be written: the buffered
/// I/O of one connection, used only on its link's event loop.
struct RedisStream {
    /// The socket.
    let socket: RedisSocket
    /// What has been read and not yet returned as values.
    var decoder: RESPDecoder
    private var output: [UInt8] = []
    private var outputOffset = 0

    init(socket: RedisSocket, limits: RESPLimits) {
        self.socket = socket
        self.decoder = RESPDecoder(limits: limits)
    }

    /// Whether bytes wait to be written.
    var hasOutput: Bool { outputOffset < output.count }

    /// Queues `bytes` to be written by the next `flush()`.
    mutating func enqueue(_ bytes: [UInt8]) {
        if output.isEmpty {
            output = bytes
        } else {
            output.append(contentsOf: bytes)
        }
    }

    /// Queues bytes by letting `body` append them to the output buffer.
    mutating func enqueue(_ body: (inout [UInt8]) -> Void) {
        body(&output)
    }

    /// Writes queued bytes until they are all written or the socket is full.
    /// - Throws: `RedisError.connectionLost(host:port:)`.
    mutating func flush() throws(RedisError) {
        let socket = socket
        while outputOffset < output.count {
            let offset = outputOffset
            let result = output.withUnsafeBytes { bytes in
                Result { () throws(RedisError) in try socket.write(UnsafeRawBufferPointer(rebasing: bytes[offset...])) }
            }
            switch try result.get() {
            case .processed(let count): outputOffset += count
            case .wouldBlock: return
            }
        }
        output.removeAll(keepingCapacity: output.capacity <= 1 << 20)
        outputOffset = 0
    }

    /// Reads everything that has arrived into the decoder, using `buffer` for each read.
    /// - Returns: Whether the stream has ended (Redis closed the connection); the bytes
    ///   before the end are in the decoder either way, so their values come first.
    /// - Throws: `RedisError.connectionLost(host:port:)` when a read fails.
    mutating func fill(using buffer: UnsafeMutableRawBufferPointer) throws(RedisError) -> Bool {
        while true {
            switch try socket.read(into: buffer) {
            case .processed(0):
                return true
            case .processed(let count):
                decoder.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                if count < buffer.count { return false }
            case .wouldBlock:
                return false
            }
        }
    }

    /// The next decoded value, if a whole one has arrived.
    /// - Throws: `RedisError.protocolViolation(_:)`.
    mutating func nextValue() throws(RedisError) -> RESPValue? {
        do {
            return try decoder.next()
        } catch {
            throw .protocolViolation(error)
        }
    }
}
