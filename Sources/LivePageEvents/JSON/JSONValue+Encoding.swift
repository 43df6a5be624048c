extension JSONValue {
    /// The value as compact JSON text in UTF-8.
    ///
    /// - Parameter htmlSafe: Whether the text must be safe inside an HTML `<script>`
    ///   element (the default): `<`, `>` and `&` are then written as `\u003c`, `\u003e`
    ///   and `\u0026`, and U+2028 and U+2029 as escapes, so no string in it can close the
    ///   element or break the script. Pass `false` for text served as `application/json`,
    ///   where plain characters are shorter and what tools reading it expect.
    public func jsonBytes(htmlSafe: Bool = true) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        write(to: &output, htmlSafe: htmlSafe)
        return output
    }

    /// Appends the value's compact JSON text (as ``jsonBytes(htmlSafe:)`` writes it) to `output`.
    public func write(to output: inout [UInt8], htmlSafe: Bool = true) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let number): output.append(contentsOf: number.literal.utf8)
        case .string(let string): Self.writeString(string, to: &output, htmlSafe: htmlSafe)
        case .array(let array):
            output.append(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.write(to: &output, htmlSafe: htmlSafe)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            object.write(to: &output, htmlSafe: htmlSafe)
        }
    }

    /// Appends `string` as a JSON string literal, escaped as ``jsonBytes(htmlSafe:)`` describes.
    public static func writeString(_ string: String, to output: inout [UInt8], htmlSafe: Bool = true) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                let escape: StaticString?
                switch byte {
                case UInt8(ascii: "\""): escape = "\\\""
                case UInt8(ascii: "\\"): escape = "\\\\"
                case UInt8(ascii: "<") where htmlSafe: escape = "\\u003c"
                case UInt8(ascii: ">") where htmlSafe: escape = "\\u003e"
                case UInt8(ascii: "&") where htmlSafe: escape = "\\u0026"
                case 0x0A: escape = "\\n"
                case 0x0D: escape = "\\r"
                case 0x09: escape = "\\t"
                case 0x00..<0x20: escape = nil
                case 0xE2
                where htmlSafe && index + 2 < bytes.count && bytes[index + 1] == 0x80
                    && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
                    // U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR end a line in
                    // older JavaScript parsers.
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                    output.append(contentsOf: (bytes[index + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                    index += 3
                    runStart = index
                    continue
                default:
                    index += 1
                    continue
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                if let escape {
                    output.append(contentsOf: UnsafeBufferPointer(start: escape.utf8Start, count: escape.utf8CodeUnitCount))
                } else {
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    output.append(contentsOf: "\\u00".utf8)
                    output.append(hex[Int(byte >> 4)])
                    output.append(hex[Int(byte & 0x0F)])
                }
                index += 1
                runStart = index
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        output.append(UInt8(ascii: "\""))
    }
}

extension JSONObject {
    /// The object as compact JSON text in UTF-8, escaped as ``JSONValue/jsonBytes(htmlSafe:)``.
    public func jsonBytes(htmlSafe: Bool = true) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        write(to: &output, htmlSafe: htmlSafe)
        return output
    }

    /// Appends the object's compact JSON text to `output`.
    public func write(to output: inout [UInt8], htmlSafe: Bool = true) {
        output.append(UInt8(ascii: "{"))
        writeMembers(to: &output, htmlSafe: htmlSafe)
        output.append(UInt8(ascii: "}"))
    }

    /// Appends the object's members, `"key":value` separated by commas, without braces,
    /// so that a caller can put fields of its own before them.
    public func writeMembers(to output: inout [UInt8], htmlSafe: Bool = true) {
        var first = true
        for (key, value) in self {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            JSONValue.writeString(key, to: &output, htmlSafe: htmlSafe)
            output.append(UInt8(ascii: ":"))
            value.write(to: &output, htmlSafe: htmlSafe)
        }
    }
}
