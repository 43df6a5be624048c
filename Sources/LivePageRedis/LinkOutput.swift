/// The bytes a `RedisLinkDriver` has for its link's loop to write, and whether the link
/// has been told of them since it last took them: a burst of commands from many threads
/// costs one hop to the loop.
struct LinkOutput {
    private var bytes: [UInt8] = []
    private var wakeRequested = false

    /// Appends what `encode` writes.
    /// - Returns: Whether the caller must tell the link (`RedisLink.outputAvailable()`: it
    ///   was not yet told of this output). The link's own loop, which takes the output
    ///   next anyway, ignores it.
    @discardableResult
    mutating func append(_ encode: (inout [UInt8]) -> Void) -> Bool {
        encode(&bytes)
        defer { wakeRequested = true }
        return !wakeRequested
    }

    /// Takes every byte, so that the next `append` wakes the link again.
    mutating func take() -> [UInt8] {
        wakeRequested = false
        defer { bytes = [] }
        return bytes
    }

    /// Drops what was not written: the connection it was meant for is gone.
    mutating func discard() {
        bytes = []
    }
}
