import LivePageEvents
import Testing

/// The parser's strictness: everything RFC 8259 allows is read, everything else is
/// refused with a ``JSONError`` naming the problem and its byte offset.
@Suite(.timeLimit(.minutes(1)))
struct JSONParserTests {
    @Test func readsEveryKindOfValue() throws {
        let value = try JSONValue(parsing: #" {"a": [1, -2.5e3, "x", true, false, null, {}, []]} "#)
        let expected: JSONValue = ["a": [1, .number(try number("-2.5e3")), "x", true, false, nil, .object(JSONObject()), []]]
        #expect(value == expected)
    }

    @Test(arguments: ["0", "\"\"", "true", "null", "[]", "{}", " \t\r\n1\n"])
    func readsAScalarOrEmptyValueAtTopLevel(text: String) throws {
        _ = try JSONValue(parsing: text)
    }

    // MARK: Numbers

    @Test(arguments: ["0", "-0", "0.0", "1e5", "1E-5", "-12.5e+3", "12345678901234567890", "1.000000000000000000001"])
    func keepsANumberAsItsLiteral(literal: String) throws {
        #expect(try number(literal).literal == literal)
        #expect(String(decoding: try JSONValue(parsing: literal).jsonBytes(), as: UTF8.self) == literal)
    }

    @Test func keepsAnIntegerTooLargeForADoubleUnchanged() throws {
        let value = try JSONValue(parsing: #"{"id":12345678901234567890}"#)
        #expect(String(decoding: value.jsonBytes(), as: UTF8.self) == #"{"id":12345678901234567890}"#)
        #expect(value.objectValue?["id"] == .number(try number("12345678901234567890")))
    }

    @Test(arguments: ["01", "-01", "00", "012.5"])
    func refusesALeadingZero(text: String) throws {
        let error = #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
        #expect(error?.reason == "a number may not have a leading zero")
        #expect(error?.offset == 0)
    }

    @Test(arguments: ["1.", ".5", "+1", "1e", "1e+", "-", "0x10", "1.e5", "- 1", "NaN", "Infinity", "-Infinity"])
    func refusesAMalformedNumber(text: String) {
        #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
    }

    // MARK: Structure

    @Test(arguments: [#"{"a":1,}"#, "[1,]", "[1,2,]", #"{"a":{"b":1,},"c":2}"#])
    func refusesATrailingComma(text: String) {
        #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
    }

    @Test(arguments: ["// note\n1", "/* note */ 1", "[1 /* note */]", "# note\n1", "[1] // note"])
    func refusesComments(text: String) {
        #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
    }

    @Test(arguments: [
        "", " ", "[", "[1", "{", #"{"a":1"#, #"{"a""#, #"{"a":}"#, #"{1:2}"#, "{a:1}", #"{"a" 1}"#,
        #"{"a":1 "b":2}"#, "[,1]", "[1 2]", "[1,,2]", "nul", "True", "tru", "'a'", "\u{C}1",
    ])
    func refusesMalformedStructure(text: String) {
        #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
    }

    @Test(arguments: ["{} x", "[1] [2]", "1 2", "null,", "\"a\"\"b\"", "{}}"])
    func refusesTextAfterTheValue(text: String) {
        let error = #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
        #expect(error?.reason == "unexpected text after the value")
    }

    @Test func givesTheOffsetOfTrailingGarbage() {
        let error = #expect(throws: JSONError.self) { try JSONValue(parsing: "{}  x") }
        #expect(error?.offset == 4)
        #expect(error?.description == "Invalid JSON at byte 4: unexpected text after the value.")
    }

    @Test(arguments: [
        #"{"a":1,"a":2}"#, #"{"a":1,"b":2,"a":1}"#, #"{"x":{"a":1,"a":1}}"#, #"[{"a":null,"a":null}]"#,
        #"{"a":1,"\u0061":2}"#,
    ])
    func refusesADuplicateKey(text: String) {
        let error = #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
        #expect(error?.reason == #"a duplicate key "a""#)
    }

    /// Red team: keys that only look alike (KELVIN SIGN and K, a precomposed and a
    /// decomposed é) were refused as duplicates: String equality is canonical equivalence.
    @Test func keysThatDifferInTheirBytesAreTwoKeys() throws {
        let object = try #require(try JSONValue(parsing: "{\"K\":1,\"\u{212A}\":2,\"caf\u{E9}\":3,\"cafe\u{301}\":4}").objectValue)
        #expect(object.count == 4)
        #expect(object["K"] == .number(JSONNumber(1)))
        #expect(object["\u{212A}"] == .number(JSONNumber(2)))
        #expect(object["cafe\u{301}"] == .number(JSONNumber(4)))
        let fields = try EventFields(form: [("verb", "append"), ("K", "a"), ("\u{212A}", "b")])
        #expect(fields["K"] == .string("a") && fields["\u{212A}"] == .string("b"))
    }

    @Test func keepsTheOrderOfKeys() throws {
        let text = #"{"z":1,"a":2,"m":{"y":true,"b":false}}"#
        let value = try JSONValue(parsing: text)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value.objectValue?["m"]?.objectValue?.keys == ["y", "b"])
        #expect(String(decoding: value.jsonBytes(), as: UTF8.self) == text)
    }

    // MARK: Depth

    @Test func acceptsNestingUpToTheDefaultDepth() throws {
        let depth = JSONValue.defaultMaximumDepth
        _ = try JSONValue(parsing: String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        _ = try JSONValue(parsing: String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth))
    }

    @Test func refusesNestingBeyondTheDefaultDepth() {
        let depth = JSONValue.defaultMaximumDepth + 1
        let error = #expect(throws: JSONError.self) {
            try JSONValue(parsing: String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        }
        #expect(error?.reason == "nesting deeper than 64 levels")
    }

    /// A hostile text far deeper than any stack could recurse is refused, not a crash.
    @Test func refusesHostileNestingWithoutExhaustingTheStack() {
        #expect(throws: JSONError.self) { try JSONValue(parsing: String(repeating: "[", count: 1_000_000)) }
    }

    @Test func honoursAGivenMaximumDepth() throws {
        _ = try JSONValue(parsing: #"[{"a":1}]"#, maximumDepth: 2)
        #expect(throws: JSONError.self) { try JSONValue(parsing: #"[{"a":[]}]"#, maximumDepth: 2) }
        #expect(throws: JSONError.self) { try JSONValue(parsing: "[]", maximumDepth: 0) }
        #expect(try JSONValue(parsing: "1", maximumDepth: 0) == 1)
    }

    // MARK: Strings

    @Test func decodesEveryEscape() throws {
        let value = try JSONValue(parsing: #""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud834\udd1e""#)
        #expect(value == .string("\"\\/\u{8}\u{C}\n\r\tAé€𝄞"))
    }

    @Test(arguments: [#""\x""#, #""\'""#, #""\a""#, #""\U0041""#, #""\u00G1""#, #""\u12""#])
    func refusesAnInvalidEscape(text: String) {
        #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
    }

    @Test(arguments: [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F] as [UInt8])
    func refusesAControlCharacterInAString(byte: UInt8) {
        let bytes: [UInt8] = [0x22, 0x61, byte, 0x62, 0x22]
        let error = #expect(throws: JSONError.self) { try JSONValue(parsing: bytes) }
        #expect(error?.reason == "a control character in a string must be escaped")
        #expect(error?.offset == 2)
    }

    @Test func acceptsEscapedControlCharactersAndDelete() throws {
        #expect(try JSONValue(parsing: #""\u0000\u001f""#) == .string("\u{0}\u{1F}"))
        #expect(try JSONValue(parsing: [0x22, 0x7F, 0x22]) == .string("\u{7F}"))
    }

    @Test(arguments: [
        #""\ud800""#, #""\udbff x""#, #""\udc00""#, #""\udfff""#, #""\ud800\u0041""#, #""\ud800\ud800""#,
        #""\ud800\n""#, #""\ud800\""#, #""a\udc00\ud800b""#,
    ])
    func refusesALoneSurrogateEscape(text: String) {
        let error = #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
        #expect(error?.reason == #"a lone surrogate \u escape"#)
    }

    @Test(
        arguments: [
            [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9D, 0x84, 0x9E], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
            [0xEF, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF], [0xC2, 0x80], [0xE0, 0xA0, 0x80], [0xF0, 0x90, 0x80, 0x80],
        ] as [[UInt8]])
    func acceptsWellFormedUTF8(character: [UInt8]) throws {
        let value = try JSONValue(parsing: [0x22] + character + [0x22])
        #expect(value == .string(String(decoding: character, as: UTF8.self)))
    }

    @Test(
        arguments: [
            [0xC0, 0xAF],  // overlong "/"
            [0xC1, 0xBF],  // overlong U+007F
            [0xE0, 0x80, 0xAF],  // overlong "/"
            [0xE0, 0x9F, 0xBF],  // overlong U+07FF
            [0xF0, 0x80, 0x80, 0xAF],  // overlong "/"
            [0xF0, 0x8F, 0xBF, 0xBF],  // overlong U+FFFF
            [0xED, 0xA0, 0x80],  // surrogate U+D800
            [0xED, 0xBF, 0xBF],  // surrogate U+DFFF
            [0xED, 0xA0, 0xBD, 0xED, 0xB2, 0xA9],  // a surrogate pair in CESU-8
            [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
            [0xF5, 0x80, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFE], [0xFF],
            [0x80], [0xBF],  // a continuation byte alone
            [0xC3, 0x41], [0xE2, 0x82, 0x41], [0xF0, 0x9D, 0x84, 0x41],  // a sequence cut short
            [0xC3], [0xE2, 0x82], [0xF0, 0x9D, 0x84],  // cut short by the closing quote
        ] as [[UInt8]])
    func refusesInvalidUTF8InAString(sequence: [UInt8]) {
        let error = #expect(throws: JSONError.self) { try JSONValue(parsing: [0x22, 0x61] + sequence + [0x22]) }
        #expect(error?.reason == "invalid UTF-8")
        #expect(error?.offset == 2)
    }

    @Test func refusesUTF8CutShortByTheEndOfTheText() {
        #expect(throws: JSONError.self) { try JSONValue(parsing: [0x22, 0xE2, 0x82] as [UInt8]) }
    }

    @Test(arguments: [[0xC3, 0xA9], [0xEF, 0xBB, 0xBF, 0x31], [0xC2, 0xA0, 0x31]] as [[UInt8]])
    func refusesNonASCIIOutsideStrings(bytes: [UInt8]) {
        #expect(throws: JSONError.self) { try JSONValue(parsing: bytes) }
    }

    @Test func parsesACollectionWithoutContiguousStorage() throws {
        let bytes = #"{"a":[1,"é"]}"#.utf8.lazy.map { $0 }
        #expect(try JSONValue(parsing: bytes) == ["a": [1, "é"]])
        #expect(throws: JSONError.self) { try JSONValue(parsing: "[1,]".utf8.lazy.map { $0 }) }
    }

    private func number(_ literal: String) throws -> JSONNumber {
        guard case .number(let number) = try JSONValue(parsing: literal) else {
            Issue.record("\(literal) is not a number")
            return JSONNumber(0)
        }
        return number
    }
}
