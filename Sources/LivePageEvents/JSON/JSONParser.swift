/// Parses JSON text strictly: RFC 8259, UTF-8 only, no duplicate object keys, no lone
/// surrogates, and a bounded nesting depth, so hostile input fails with a
/// ``JSONError`` instead of exhausting the stack.
struct JSONParser: ~Copyable {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let maximumDepth: Int
    private var position = 0
    private var depth = 0

    private init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    /// Parses one JSON value filling all of `bytes` (surrounding whitespace allowed).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) throws(JSONError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, maximumDepth: maximumDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw JSONError("unexpected text after the value", at: parser.position)
        }
        return value
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            position += 1
        }
    }

    private mutating func parseValue() throws(JSONError) -> JSONValue {
        guard let byte = current else { throw JSONError("the text ends where a value should be", at: position) }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectWord("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectWord("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectWord("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw JSONError("unexpected character \(Self.describe(byte))", at: position)
        }
    }

    private mutating func expectWord(_ word: StaticString) throws(JSONError) {
        let start = position
        for expected in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
            guard current == expected else { throw JSONError("invalid literal (expected \(word))", at: start) }
            position += 1
        }
    }

    private mutating func enter() throws(JSONError) {
        depth += 1
        if depth > maximumDepth {
            throw JSONError("nesting deeper than \(maximumDepth) levels", at: position)
        }
    }

    private mutating func parseObject() throws(JSONError) -> JSONValue {
        try enter()
        position += 1
        var object = JSONObject()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw JSONError("an object key must be a string", at: position) }
            let keyOffset = position
            let key = try parseString()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw JSONError("expected ':' after an object key", at: position) }
            position += 1
            skipWhitespace()
            let value = try parseValue()
            guard object.insertNew(key, value) else {
                throw JSONError("a duplicate key \"\(key)\"", at: keyOffset)
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                depth -= 1
                return .object(object)
            default: throw JSONError("expected ',' or '}' in an object", at: position)
            }
        }
    }

    private mutating func parseArray() throws(JSONError) -> JSONValue {
        try enter()
        position += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(array)
        }
        while true {
            skipWhitespace()
            array.append(try parseValue())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                depth -= 1
                return .array(array)
            default: throw JSONError("expected ',' or ']' in an array", at: position)
            }
        }
    }

    private mutating func parseNumber() throws(JSONError) -> JSONNumber {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, Self.isDigit(first) else { throw JSONError("a number needs digits", at: position) }
        if first == UInt8(ascii: "0") {
            position += 1
            if let next = current, Self.isDigit(next) { throw JSONError("a number may not have a leading zero", at: start) }
        } else {
            skipDigits()
        }
        if current == UInt8(ascii: ".") {
            position += 1
            guard let next = current, Self.isDigit(next) else { throw JSONError("a fraction needs digits", at: position) }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard let next = current, Self.isDigit(next) else { throw JSONError("an exponent needs digits", at: position) }
            skipDigits()
        }
        let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        return JSONNumber(validatedLiteral: literal)
    }

    private mutating func skipDigits() {
        while let byte = current, Self.isDigit(byte) { position += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// Parses a string at the opening quote. Plain runs are copied as they are; the
    /// UTF-8 of the whole input is validated, so a run can be decoded without checks.
    private mutating func parseString() throws(JSONError) -> String {
        position += 1
        var result: [UInt8] = []
        var runStart = position
        while true {
            guard let byte = current else { throw JSONError("a string is not closed", at: position) }
            switch byte {
            case UInt8(ascii: "\""):
                let string: String
                if result.isEmpty {
                    string = String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<position]), as: UTF8.self)
                } else {
                    result.append(contentsOf: bytes[runStart..<position])
                    string = String(decoding: result, as: UTF8.self)
                }
                position += 1
                return string
            case UInt8(ascii: "\\"):
                result.append(contentsOf: bytes[runStart..<position])
                try parseEscape(into: &result)
                runStart = position
            case 0x00..<0x20:
                throw JSONError("a control character in a string must be escaped", at: position)
            case 0x80...:
                try skipMultibyteCharacter()
            default:
                position += 1
            }
        }
    }

    private mutating func parseEscape(into result: inout [UInt8]) throws(JSONError) {
        let start = position
        position += 1
        guard let escaped = current else { throw JSONError("a string is not closed", at: position) }
        position += 1
        switch escaped {
        case UInt8(ascii: "\""): result.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): result.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): result.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): result.append(0x08)
        case UInt8(ascii: "f"): result.append(0x0C)
        case UInt8(ascii: "n"): result.append(0x0A)
        case UInt8(ascii: "r"): result.append(0x0D)
        case UInt8(ascii: "t"): result.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else {
                    throw JSONError("a lone surrogate \\u escape", at: start)
                }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw JSONError("a lone surrogate \\u escape", at: start) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw JSONError("a lone surrogate \\u escape", at: start)
            }
            // Validated above: not a surrogate, at most 0x10FFFF.
            result.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
        default:
            throw JSONError("an unknown escape \\\(Self.describe(escaped))", at: start)
        }
    }

    private mutating func parseHex4() throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw JSONError("a \\u escape needs four hex digits", at: position) }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw JSONError("a \\u escape needs four hex digits", at: position)
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// Steps over one well-formed UTF-8 sequence of two to four bytes (RFC 3629:
    /// no overlong forms, no surrogates, nothing above U+10FFFF).
    private mutating func skipMultibyteCharacter() throws(JSONError) {
        let start = position
        let lead = bytes[position]
        let length: Int
        var lowerBound: UInt8 = 0x80
        var upperBound: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            lowerBound = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            upperBound = 0x9F
        case 0xF0:
            length = 4
            lowerBound = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            upperBound = 0x8F
        default: throw JSONError("invalid UTF-8", at: start)
        }
        guard start + length <= bytes.count else { throw JSONError("invalid UTF-8", at: start) }
        let second = bytes[start + 1]
        guard second >= lowerBound, second <= upperBound else { throw JSONError("invalid UTF-8", at: start) }
        for index in (start + 2)..<(start + length) where bytes[index] & 0xC0 != 0x80 {
            throw JSONError("invalid UTF-8", at: start)
        }
        position += length
    }

    private static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21, byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "0x" + String(byte, radix: 16, uppercase: true)
    }
}
