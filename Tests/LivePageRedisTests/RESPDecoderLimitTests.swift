import Testing

@testable import LivePageRedis

@Suite("RESP2 decoder: hard limits and malformed input", .timeLimit(.minutes(1)))
struct RESPDecoderLimitTests {
    static let limits = RESPLimits(
        maximumBulkLength: 100, maximumArrayLength: 10, maximumDepth: 3, maximumLineLength: 32, maximumValueSize: 400)

    /// The error decoding `text` with the small limits ends in.
    static func failure(_ text: String) -> RESPDecodingError? {
        decodeAll([Array(text.utf8)[...]], limits: limits).1
    }

    @Test("A bulk string over the limit fails on its header, before its bytes arrive", .timeLimit(.minutes(1)))
    func bulkTooLong() {
        #expect(Self.failure("$101\r\n") == .bulkTooLong(length: 101, limit: 100))
        #expect(Self.failure("$9223372036854775807\r\n") == .bulkTooLong(length: .max, limit: 100))
        #expect(Self.failure("$100\r\n" + String(repeating: "x", count: 100) + "\r\n") == nil)
    }

    @Test("An array over the limit fails on its header", .timeLimit(.minutes(1)))
    func arrayTooLong() {
        #expect(Self.failure("*11\r\n") == .arrayTooLong(length: 11, limit: 10))
        #expect(Self.failure("*10\r\n" + String(repeating: ":1\r\n", count: 10)) == nil)
    }

    @Test("Arrays nested deeper than the limit fail; at the limit they decode", .timeLimit(.minutes(1)))
    func tooDeep() {
        #expect(Self.failure("*1\r\n*1\r\n*1\r\n:1\r\n") == nil)
        #expect(Self.failure("*1\r\n*1\r\n*1\r\n*1\r\n") == .tooDeep(limit: 3))
        #expect(Self.failure("*1\r\n*1\r\n*1\r\n*0\r\n") == .tooDeep(limit: 3))
    }

    @Test("A line over the limit fails once it is longer, with or without its end", .timeLimit(.minutes(1)))
    func lineTooLong() {
        let atLimit = "+" + String(repeating: "a", count: 31)
        #expect(Self.failure(atLimit + "\r\n") == nil)
        #expect(Self.failure(atLimit + "a\r\n") == .lineTooLong(limit: 32))
        #expect(Self.failure(atLimit) == nil, "may still end")
        #expect(Self.failure(atLimit + "aa") == .lineTooLong(limit: 32), "cannot end in time any more")
        #expect(Self.failure(":" + String(repeating: "1", count: 40)) == .lineTooLong(limit: 32))
    }

    @Test("A value larger than the limit in all fails, however small its parts", .timeLimit(.minutes(1)))
    func valueTooLarge() {
        let element = "$40\r\n" + String(repeating: "v", count: 40) + "\r\n"
        // 5 + 8 × 47 = 381 bytes so far; the ninth element would make 428.
        #expect(Self.failure("*10\r\n" + String(repeating: element, count: 8)) == nil)
        #expect(Self.failure("*10\r\n" + String(repeating: element, count: 9)) == .valueTooLarge(limit: 400))
        // The count starts again with each top-level value.
        #expect(Self.failure(String(repeating: "*8\r\n" + String(repeating: element, count: 8), count: 5)) == nil)
    }

    static let malformed: [(String, String, RESPDecodingError)] = [
        ("an unknown type byte", "!oops\r\n", .unknownType(UInt8(ascii: "!"))),
        ("a RESP3 map", "%1\r\n+a\r\n+b\r\n", .unknownType(UInt8(ascii: "%"))),
        ("a RESP3 null", "_\r\n", .unknownType(UInt8(ascii: "_"))),
        ("an empty line", "\r\n", .unknownType(13)),
        ("an inline reply", "PONG\r\n", .unknownType(UInt8(ascii: "P"))),
        ("an HTTP response", "HTTP/1.1 400 Bad Request\r\n", .unknownType(UInt8(ascii: "H"))),
        ("letters in an integer", ":12a\r\n", .invalidInteger),
        ("an empty integer", ":\r\n", .invalidInteger),
        ("a lone minus", ":-\r\n", .invalidInteger),
        ("a plus sign", ":+1\r\n", .invalidInteger),
        ("an integer past 64 bits", ":9223372036854775808\r\n", .invalidInteger),
        ("a negative past 64 bits", ":-9223372036854775809\r\n", .invalidInteger),
        ("twenty digits", ":99999999999999999999\r\n", .invalidInteger),
        ("a length of -2", "$-2\r\n", .invalidLength),
        ("a length of -0", "*-0\r\n", .invalidLength),
        ("a signed length", "$+3\r\nabc\r\n", .invalidLength),
        ("an empty length", "*\r\n", .invalidLength),
        ("a fractional length", "$1.5\r\n", .invalidLength),
        ("a bulk string longer than announced", "$3\r\nabcd\r\n", .missingTerminator),
        ("a bulk string shorter than announced", "$3\r\nab\r\n\r\n", .missingTerminator),
        ("a bare CR in a line", "+OK\rX\n", .invalidLine),
        ("a bare LF in a line", "+O\nK\r\n", .invalidLine),
        ("a line ended by LF alone", ":1\n", .invalidLine),
        ("garbage inside an array", "*2\r\n:1\r\n?\r\n", .unknownType(UInt8(ascii: "?"))),
    ]

    @Test("Malformed input is an error, never a crash", .timeLimit(.minutes(1)), arguments: malformed)
    func malformedInput(name: String, text: String, expected: RESPDecodingError) {
        #expect(decodeAll([Array(text.utf8)[...]]).1 == expected, "\(name)")
    }

    @Test("After an error the decoder stays failed with it", .timeLimit(.minutes(1)))
    func stickyError() {
        var decoder = RESPDecoder()
        decoder.append(Array(":x\r\n+OK\r\n".utf8))
        #expect(throws: RESPDecodingError.invalidInteger) { try decoder.next() }
        #expect(throws: RESPDecodingError.invalidInteger) { try decoder.next() }
        decoder.append(Array("+OK\r\n".utf8))
        #expect(throws: RESPDecodingError.invalidInteger) { try decoder.next() }
    }

    @Test("Errors describe themselves in words", .timeLimit(.minutes(1)))
    func descriptions() {
        #expect(
            "\(RESPDecodingError.bulkTooLong(length: 101, limit: 100))"
                == "a bulk string of 101 bytes exceeds the limit of 100 bytes")
        #expect("\(RESPDecodingError.tooDeep(limit: 3))" == "arrays are nested deeper than 3")
    }
}
