/// Base64 with the URL and filename safe alphabet and no padding (RFC 4648 §5), as JSON
/// Web Tokens write their three parts.
///
/// Decoding is strict, because its input is a token from an untrusted client: there is
/// exactly one accepted spelling of any byte string, so a token cannot be altered without
/// altering the bytes its signature covers.
package enum Base64URL {
    /// The 64 characters, in the order of the values they stand for.
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// `bytes` in base64url, without `=` padding.
    ///
    /// - Parameter bytes: The bytes to encode.
    /// - Returns: The text, four characters for every three bytes, and two or three for
    ///   a final one or two bytes.
    package static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.underestimatedCount * 4 / 3 + 3)
        var accumulator: UInt32 = 0
        var bitCount = 0
        for byte in bytes {
            accumulator = accumulator << 8 | UInt32(byte)
            bitCount += 8
            while bitCount >= 6 {
                bitCount -= 6
                output.append(alphabet[Int(accumulator >> UInt32(bitCount) & 0x3f)])
            }
            accumulator &= (1 << UInt32(bitCount)) - 1
        }
        if bitCount > 0 {
            output.append(alphabet[Int(accumulator << UInt32(6 - bitCount) & 0x3f)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes that `text` encodes, or `nil` if it is not canonical unpadded base64url.
    ///
    /// Refused: padding (`=`), any character outside `A-Z a-z 0-9 - _` (the standard
    /// alphabet's `+` and `/`, whitespace and line breaks included), a length that leaves
    /// one character over (no byte string encodes to that), and a last character whose
    /// unused low bits are not zero (`QR` as well as `QQ` would otherwise decode to "A").
    ///
    /// - Parameter text: The encoded text; empty text decodes to no bytes.
    /// - Returns: The decoded bytes, or `nil` for any of the refusals above.
    package static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let characters = text.utf8
        guard characters.count % 4 != 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(characters.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bitCount = 0
        for character in characters {
            guard let value = value(of: character) else { return nil }
            accumulator = accumulator << 6 | value
            bitCount += 6
            if bitCount >= 8 {
                bitCount -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bitCount)))
                accumulator &= (1 << UInt32(bitCount)) - 1
            }
        }
        // Two or four bits are left over after a short final group; they must be zero.
        guard accumulator == 0 else { return nil }
        return output
    }

    /// The value of one character of the alphabet, or `nil` for any other byte.
    private static func value(of character: UInt8) -> UInt32? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(character - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(character - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(character - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
