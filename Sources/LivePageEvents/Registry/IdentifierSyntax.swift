/// The one syntax LivePage uses for names it writes into pages unescaped: element ids,
/// verbs and attribute names. A letter (or, where allowed, `_`) then letters, digits,
/// `_`, `:`, `.` or `-`.
enum IdentifierSyntax {
    /// Whether `text` is such a name of at most `maximumLength` bytes.
    static func isValid(_ text: String, maximumLength: Int, allowingLeadingUnderscore: Bool = false) -> Bool {
        let utf8 = text.utf8
        guard let first = utf8.first, utf8.count <= maximumLength,
            isLetter(first) || (allowingLeadingUnderscore && first == UInt8(ascii: "_"))
        else { return false }
        return utf8.allSatisfy { byte in
            isLetter(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }
}
