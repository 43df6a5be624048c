/// HMAC-SHA256 (RFC 2104 with ``SHA256``): the message authentication code that signs
/// LivePage's JSON Web Tokens.
///
/// A caseless enum: HMAC here is one function, with no state worth keeping between calls.
package enum HMAC {
    /// The authentication code of `message` under `key`.
    ///
    /// A key longer than a SHA-256 block (64 bytes) is hashed first, and a shorter one is
    /// padded with zeros, as RFC 2104 says. Compare codes with ``ConstantTime/equal(_:_:)``,
    /// never with `==`.
    ///
    /// - Parameters:
    ///   - message: The bytes to authenticate.
    ///   - key: The secret key, of any length.
    /// - Returns: The 32-byte code.
    package static func authenticationCode(for message: some Sequence<UInt8>, key: some Collection<UInt8>) -> [UInt8] {
        var blockKey = key.count > SHA256.blockByteCount ? SHA256.hash(key) : Array(key)
        blockKey.append(contentsOf: repeatElement(0, count: SHA256.blockByteCount - blockKey.count))

        var inner = SHA256()
        inner.update(blockKey.map { $0 ^ 0x36 })
        inner.update(message)

        var outer = SHA256()
        outer.update(blockKey.map { $0 ^ 0x5c })
        outer.update(inner.finalize())
        return outer.finalize()
    }
}
