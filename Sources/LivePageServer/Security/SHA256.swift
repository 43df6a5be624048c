/// The SHA-256 hash function (FIPS 180-4), written here because LivePage depends on the
/// Swift toolchain alone.
///
/// LivePage needs it for HMAC-SHA256, which signs and verifies the JSON Web Tokens of token
/// mode. Feed the message in pieces with ``update(_:)`` and read the digest with
/// ``finalize()``, or hash a whole message at once with ``hash(_:)``:
///
/// ```swift
/// var hasher = SHA256()
/// hasher.update("ab".utf8)
/// hasher.update("c".utf8)
/// hasher.finalize() == SHA256.hash("abc".utf8)  // true
/// ```
///
/// The state, the pending block and the message schedule live inline, so hashing allocates
/// nothing but the returned digest.
package struct SHA256: Sendable {
    /// The length of a digest, in bytes: 32.
    package static let digestByteCount = 32

    /// The length of the blocks the message is processed in, in bytes: 64. HMAC pads its
    /// key to this length.
    package static let blockByteCount = 64

    /// The eight working words, initially the first 32 bits of the fractional parts of the
    /// square roots of the first eight primes (FIPS 180-4 §5.3.3).
    private var state: InlineArray<8, UInt32> = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
        0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]

    /// Bytes received but not yet processed; only the first `pendingCount` are meaningful.
    private var pending = InlineArray<64, UInt8>(repeating: 0)

    /// How many bytes of `pending` hold message bytes, always less than 64 between calls.
    private var pendingCount = 0

    /// The message length so far, in bytes; the padding records it in bits.
    private var messageByteCount: UInt64 = 0

    /// A hasher that has seen no bytes yet.
    package init() {}

    /// Hashes `message` in one call.
    ///
    /// - Parameter message: The bytes to hash, such as an array or a string's `utf8` view.
    /// - Returns: The 32-byte digest.
    package static func hash(_ message: some Sequence<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(message)
        return hasher.finalize()
    }

    /// Appends `bytes` to the message being hashed.
    ///
    /// Bytes may arrive in pieces of any size; the digest is the same as for one call with
    /// all of them. Contiguous collections (arrays, slices, native strings' `utf8`) are
    /// processed in place, block by block.
    ///
    /// - Parameter bytes: The next bytes of the message.
    package mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(contiguous: buffer)
        }
        if done == nil {
            for byte in bytes { append(byte) }
        }
    }

    /// The digest of every byte given to ``update(_:)`` so far.
    ///
    /// The hasher itself is left as it was, so more bytes may follow for a longer message.
    ///
    /// - Returns: The 32-byte digest.
    package func finalize() -> [UInt8] {
        var copy = self
        let bitCount = messageByteCount &* 8
        // Padding (FIPS 180-4 §5.1.1): a one bit, zeros up to 56 bytes into a block, then
        // the message length in bits as a big-endian 64-bit number.
        copy.append(0x80)
        while copy.pendingCount != 56 { copy.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            copy.append(UInt8(truncatingIfNeeded: bitCount >> UInt64(shift)))
        }
        var digest: [UInt8] = []
        digest.reserveCapacity(Self.digestByteCount)
        for index in copy.state.indices {
            let word = copy.state[index]
            digest.append(UInt8(truncatingIfNeeded: word >> 24))
            digest.append(UInt8(truncatingIfNeeded: word >> 16))
            digest.append(UInt8(truncatingIfNeeded: word >> 8))
            digest.append(UInt8(truncatingIfNeeded: word))
        }
        return digest
    }

    /// Adds one byte, processing the pending block when it fills. Used for the padding
    /// and for sequences without contiguous storage.
    private mutating func append(_ byte: UInt8) {
        pending[pendingCount] = byte
        pendingCount += 1
        messageByteCount &+= 1
        if pendingCount == Self.blockByteCount {
            Self.compress(&state, pending.span, at: 0)
            pendingCount = 0
        }
    }

    /// Adds contiguous bytes: tops up the pending block, processes whole blocks straight
    /// from `buffer`, and keeps the remainder pending.
    private mutating func update(contiguous buffer: UnsafeBufferPointer<UInt8>) {
        messageByteCount &+= UInt64(buffer.count)
        var offset = 0
        if pendingCount > 0 {
            let taken = min(Self.blockByteCount - pendingCount, buffer.count)
            for index in 0..<taken { pending[pendingCount + index] = buffer[index] }
            pendingCount += taken
            offset = taken
            guard pendingCount == Self.blockByteCount else { return }
            Self.compress(&state, pending.span, at: 0)
            pendingCount = 0
        }
        let span = buffer.span
        while buffer.count - offset >= Self.blockByteCount {
            Self.compress(&state, span, at: offset)
            offset += Self.blockByteCount
        }
        for index in offset..<buffer.count { pending[index - offset] = buffer[index] }
        pendingCount = buffer.count - offset
    }
}
