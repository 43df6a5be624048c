/// Comparisons whose running time does not tell an attacker where two secrets differ.
///
/// An early-exit `==` on a signature or a key answers faster the sooner the guess goes
/// wrong, which lets an attacker who can time the server find a valid value byte by byte.
/// LivePage compares token signatures and publish keys with ``equal(_:_:)`` instead.
package enum ConstantTime {
    /// Whether `lhs` and `rhs` hold the same bytes, in time that depends only on their
    /// lengths.
    ///
    /// Every byte of the longer sequence is read, whatever the contents; a difference in
    /// length is folded into the result rather than returned early, so a guess of the
    /// wrong length costs as long as any other guess of that length.
    ///
    /// - Parameters:
    ///   - lhs: One byte sequence, such as the signature a token carries.
    ///   - rhs: The other, such as the signature computed for it.
    /// - Returns: `true` if both have the same length and the same bytes.
    package static func equal(_ lhs: some Sequence<UInt8>, _ rhs: some Sequence<UInt8>) -> Bool {
        var left = lhs.makeIterator()
        var right = rhs.makeIterator()
        var difference: UInt8 = 0
        while true {
            let leftByte = left.next()
            let rightByte = right.next()
            if leftByte == nil, rightByte == nil { break }
            // A length mismatch marks a difference; the byte it lacks counts as zero.
            if leftByte == nil || rightByte == nil { difference |= 1 }
            difference |= (leftByte ?? 0) ^ (rightByte ?? 0)
        }
        return difference == 0
    }
}
