/// Hexadecimal for test vectors, which the standards print as hex.
extension Array where Element == UInt8 {
    /// The bytes that `hex` (two lowercase or uppercase digits a byte) spells.
    init(hex: String) {
        let digits = Array(hex.utf8)
        precondition(digits.count.isMultiple(of: 2), "odd number of hex digits")
        self = stride(from: 0, to: digits.count, by: 2).map { index in
            UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16)!
        }
    }

    /// The bytes as lowercase hex, two digits a byte.
    var hex: String {
        map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
