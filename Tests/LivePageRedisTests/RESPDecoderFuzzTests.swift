import LivePageTestSupport
import Testing

@testable import LivePageRedis

@Suite("RESP2 decoder: seeded fuzzing", .timeLimit(.minutes(3)))
struct RESPDecoderFuzzTests {
    static let seeds: [[UInt8]] = [
        "+OK\r\n-ERR wrong\r\n:42\r\n:-7\r\n",
        "$5\r\nhello\r\n$0\r\n\r\n$-1\r\n",
        "*3\r\n$7\r\nmessage\r\n$3\r\nbus\r\n$11\r\n{\"a\":[1,2]}\r\n",
        "*2\r\n*2\r\n:1\r\n$1\r\nx\r\n*-1\r\n*0\r\n",
        "*2\r\n$1\r\n0\r\n*3\r\n$3\r\nk:1\r\n$3\r\nk:2\r\n$3\r\nk:3\r\n",
        "*1\r\n*1\r\n*1\r\n*1\r\n:9223372036854775807\r\n",
    ].map { Array($0.utf8) }

    static let interesting: [UInt8] = Array("\r\n+-:$*0123456789%_".utf8) + [0, 0x7F, 0x80, 0xFF]

    static let limits = RESPLimits(
        maximumBulkLength: 64, maximumArrayLength: 16, maximumDepth: 4, maximumLineLength: 48, maximumValueSize: 512)

    /// A mutation of a seed: byte flips, insertions, deletions, truncation or a splice.
    static func mutate(_ random: inout SplitMix64) -> [UInt8] {
        var bytes = seeds[Int.random(in: 0..<seeds.count, using: &random)]
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            guard !bytes.isEmpty else { break }
            let position = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<7, using: &random) {
            case 0: bytes[position] = UInt8.random(in: 0...255, using: &random)
            case 1: bytes[position] = interesting.randomElement(using: &random)!
            case 2: bytes.insert(interesting.randomElement(using: &random)!, at: position)
            case 3: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...6, using: &random)))
            case 4: bytes = Array(bytes[..<position])
            case 5:
                bytes.insert(
                    contentsOf: Array(String(UInt64.random(in: 0...UInt64.max, using: &random)).utf8), at: position)
            default:
                let other = seeds[Int.random(in: 0..<seeds.count, using: &random)]
                bytes = Array(bytes[..<position]) + other[Int.random(in: 0..<other.count, using: &random)...]
            }
        }
        return bytes
    }

    @Test(
        "Mutated replies end as values, a wait for more, or an error; the same however they are split",
        .timeLimit(.minutes(3)))
    func mutations() {
        var random = SplitMix64(seed: 0x5EED_2E15)
        var errors = 0
        for iteration in 0..<4000 {
            let bytes = Self.mutate(&random)
            let whole = decodeAll([bytes[...]], limits: Self.limits)
            if whole.1 != nil { errors += 1 }
            var pieces: [ArraySlice<UInt8>] = []
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + Int.random(in: 1...max(1, bytes.count / 3), using: &random))
                pieces.append(bytes[start..<end])
                start = end
            }
            let split = decodeAll(pieces, limits: Self.limits)
            #expect(split.0 == whole.0, "case \(iteration): \(bytes)")
            #expect(split.1 == whole.1, "case \(iteration): \(bytes)")
        }
        // The mutations must reach the error paths, or they test little.
        #expect(errors > 1000)
        #expect(errors < 3900)
    }

    @Test("Random bytes are an error or a wait, never a crash", .timeLimit(.minutes(3)))
    func randomBytes() {
        var random = SplitMix64(seed: 0xBAD_B17E5)
        for _ in 0..<2000 {
            let count = Int.random(in: 0...64, using: &random)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            if !bytes.isEmpty, Bool.random(using: &random) {
                bytes[0] = Self.interesting[Int.random(in: 2..<7, using: &random)]
            }
            _ = decodeAll([bytes[...]], limits: Self.limits)
        }
    }
}
