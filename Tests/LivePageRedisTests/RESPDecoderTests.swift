import Testing

@testable import LivePageRedis

/// Bytes and the value they decode to.
struct RESPSample: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let value: RESPValue

    init(_ name: String, _ text: String, _ value: RESPValue) {
        self.init(name, Array(text.utf8), value)
    }

    init(_ name: String, _ bytes: [UInt8], _ value: RESPValue) {
        self.name = name
        self.bytes = bytes
        self.value = value
    }

    var testDescription: String { name }
}

/// Decodes everything in `pieces`, fed one after the other.
/// - Returns: The values, and the error that ended decoding, if one did.
func decodeAll(_ pieces: [ArraySlice<UInt8>], limits: RESPLimits = RESPLimits()) -> ([RESPValue], RESPDecodingError?) {
    var decoder = RESPDecoder(limits: limits)
    var values: [RESPValue] = []
    for piece in pieces {
        decoder.append(piece)
        do {
            while let value = try decoder.next() { values.append(value) }
        } catch {
            return (values, error)
        }
    }
    return (values, nil)
}

@Suite("RESP2 decoder: every type, split anywhere", .timeLimit(.minutes(1)))
struct RESPDecoderTests {
    static let samples: [RESPSample] = [
        RESPSample("simple string", "+OK\r\n", .simpleString("OK")),
        RESPSample("empty simple string", "+\r\n", .simpleString("")),
        RESPSample("error", "-ERR unknown command 'FOO'\r\n", .error("ERR unknown command 'FOO'")),
        RESPSample("zero", ":0\r\n", .integer(0)),
        RESPSample("negative integer", ":-42\r\n", .integer(-42)),
        RESPSample("largest integer", ":9223372036854775807\r\n", .integer(.max)),
        RESPSample("smallest integer", ":-9223372036854775808\r\n", .integer(.min)),
        RESPSample("bulk string", "$5\r\nhello\r\n", .bulkString(Array("hello".utf8))),
        RESPSample("empty bulk string", "$0\r\n\r\n", .bulkString([])),
        RESPSample("null bulk string", "$-1\r\n", .null),
        RESPSample(
            "binary bulk string", Array("$6\r\n".utf8) + [13, 10, 0, 0xFF, 36, 42] + [13, 10],
            .bulkString([13, 10, 0, 0xFF, 36, 42])),
        RESPSample("empty array", "*0\r\n", .array([])),
        RESPSample("null array", "*-1\r\n", .null),
        RESPSample(
            "mixed array", "*4\r\n:1\r\n$1\r\na\r\n+b\r\n-c\r\n",
            .array([.integer(1), .bulkString([97]), .simpleString("b"), .error("c")])),
        RESPSample(
            "nested arrays with nulls", "*3\r\n*2\r\n$-1\r\n*-1\r\n*0\r\n*1\r\n*1\r\n:7\r\n",
            .array([.array([.null, .null]), .array([]), .array([.array([.integer(7)])])])),
        RESPSample(
            "a pub/sub message", "*3\r\n$7\r\nmessage\r\n$3\r\nbus\r\n$2\r\n{}\r\n",
            .array([.bulkString(Array("message".utf8)), .bulkString(Array("bus".utf8)), .bulkString(Array("{}".utf8))])),
    ]

    @Test("Each type decodes from its bytes", .timeLimit(.minutes(1)), arguments: samples)
    func eachType(sample: RESPSample) {
        let (values, error) = decodeAll([sample.bytes[...]])
        #expect(error == nil)
        #expect(values == [sample.value])
    }

    @Test(
        "Each type waits for its last byte: every proper prefix decodes nothing", .timeLimit(.minutes(1)),
        arguments: samples)
    func prefixes(sample: RESPSample) throws {
        for end in 0..<sample.bytes.count {
            var decoder = RESPDecoder()
            decoder.append(sample.bytes[..<end])
            #expect(try decoder.next() == nil, "prefix of \(end) bytes")
            #expect(decoder.bufferedByteCount <= end)
        }
    }

    @Test("All the samples back to back, split in two at every byte, decode the same", .timeLimit(.minutes(1)))
    func splitAtEveryByte() {
        let stream = Self.samples.flatMap(\.bytes)
        let expected = Self.samples.map(\.value)
        for split in 0...stream.count {
            let (values, error) = decodeAll([stream[..<split], stream[split...]])
            #expect(error == nil)
            #expect(values == expected, "split at byte \(split)")
        }
    }

    @Test("All the samples fed one byte at a time decode the same", .timeLimit(.minutes(1)))
    func byteByByte() {
        let stream = Self.samples.flatMap(\.bytes)
        let (values, error) = decodeAll(stream.indices.map { stream[$0...$0] })
        #expect(error == nil)
        #expect(values == Self.samples.map(\.value))
    }

    @Test("Values are returned one at a time, the rest stays buffered", .timeLimit(.minutes(1)))
    func oneAtATime() throws {
        var decoder = RESPDecoder()
        decoder.append(Array("+a\r\n:1\r\n$3\r\nab".utf8))
        #expect(try decoder.next() == .simpleString("a"))
        #expect(try decoder.next() == .integer(1))
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == 2, "the header is taken, the two bytes wait for the third")
        decoder.append(Array("c\r\n".utf8))
        #expect(try decoder.next() == .bulkString(Array("abc".utf8)))
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("A large array arriving in many pieces decodes to all its elements", .timeLimit(.minutes(1)))
    func largeArrayInPieces() {
        let count = 20_000
        var bytes = Array("*\(count)\r\n".utf8)
        for index in 0..<count { bytes += Array("$\(String(index).utf8.count)\r\n\(index)\r\n".utf8) }
        let pieces = stride(from: 0, to: bytes.count, by: 997).map { bytes[$0..<min(bytes.count, $0 + 997)] }
        let (values, error) = decodeAll(pieces)
        #expect(error == nil)
        #expect(values == [.array((0..<count).map { .bulkString(Array(String($0).utf8)) })])
    }

    @Test("The accessors read each shape and nothing else", .timeLimit(.minutes(1)))
    func accessors() {
        #expect(RESPValue.bulkString(Array("hé".utf8)).string == "hé")
        #expect(RESPValue.simpleString("OK").bytes == Array("OK".utf8))
        #expect(RESPValue.integer(3).integer == 3)
        #expect(RESPValue.integer(3).string == nil)
        #expect(RESPValue.array([.null]).array == [.null])
        #expect(RESPValue.null.array == nil)
        #expect(RESPValue.null.isNull)
        #expect(RESPValue.array([.bulkString([97]), .integer(1), .null]).description == #"["a", (integer) 1, (nil)]"#)
    }
}
