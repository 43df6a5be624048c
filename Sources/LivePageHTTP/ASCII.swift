/// Byte classes of RFC 9110 and RFC 9112, shared by the decoder and the encoder.
enum ASCII {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")

    /// `tchar` (RFC 9110 §5.6.2): the bytes allowed in tokens such as methods and field names.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        tokenTable[Int(byte)]
    }

    /// Bytes allowed in a field value: VCHAR, obs-text, SP and HTAB; no other control.
    static func isFieldValueCharacter(_ byte: UInt8) -> Bool {
        byte == tab || (byte >= 0x20 && byte != 0x7F)
    }

    /// Bytes allowed in a request-target: visible ASCII only (RFC 3986 characters and the
    /// few others that clients send unescaped); no space, control or non-ASCII byte.
    static func isTargetCharacter(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F
    }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// The value of a hexadecimal digit, or `nil`.
    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        default: nil
        }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
    }

    /// `bytes` without leading and trailing SP and HTAB.
    static func trimmingWhitespace<C: BidirectionalCollection<UInt8>>(_ bytes: C) -> C.SubSequence {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isWhitespace(bytes[start]) { start = bytes.index(after: start) }
        while end > start, isWhitespace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return bytes[start..<end]
    }

    /// Calls `body` with the UTF-8 bytes of `text`: a native string's own storage, no copy.
    /// Iterating `String.UTF8View` generically costs several times more per byte, which
    /// shows on paths that run for every request.
    static func withBytes<Result>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        var text = text
        return try text.withUTF8(body)
    }

    /// Appends the UTF-8 bytes of `text` to `bytes`.
    static func append(_ text: String, to bytes: inout [UInt8]) {
        withBytes(of: text) { bytes.append(contentsOf: $0) }
    }

    /// Whether `bytes` begin with `literal`'s bytes, compared as they are (no case folding).
    ///
    /// The request line is checked with this on every request: `starts(with: "HTTP/".utf8)`
    /// walked a `String.UTF8View` a byte at a time through calls the optimiser kept.
    static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        for index in 0..<count where bytes[index] != literal.utf8Start[index] {
            return false
        }
        return true
    }

    /// Appends `source`'s bytes, read in place: `append(contentsOf:)` with the array itself
    /// retained and released it, on each of the few appends every response makes.
    static func append(bytesOf source: [UInt8], to bytes: inout [UInt8]) {
        source.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
    }

    /// Appends the bytes of a literal: read where the compiler put them, with no string
    /// made and no reference counted, for what every response writes.
    static func append(literal text: StaticString, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Whether `text` is a token (RFC 9110 §5.6.2), such as a field name.
    static func isToken(_ text: String) -> Bool {
        withBytes(of: text) { bytes in !bytes.isEmpty && bytes.allSatisfy { tokenTable[Int($0)] } }
    }

    /// Whether every byte of `text` may stand in a field value.
    static func isFieldValue(_ text: String) -> Bool {
        withBytes(of: text) { bytes in bytes.allSatisfy(isFieldValueCharacter) }
    }

    /// Whether `a` and `b` are the same, ignoring ASCII case.
    static func equalsIgnoringCase(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for index in 0..<a.count where a[index] != b[index] && lowercased(a[index]) != lowercased(b[index]) {
            return false
        }
        return true
    }

    private static let tokenTable: [Bool] = (0..<256).map { value in
        let byte = UInt8(value)
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
