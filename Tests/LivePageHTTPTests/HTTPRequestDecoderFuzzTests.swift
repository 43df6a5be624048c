import LivePageTestSupport
import Testing

@testable import LivePageHTTP

@Suite("Request decoder: bounded fuzzing", .timeLimit(.minutes(3)))
struct HTTPRequestDecoderFuzzTests {
    static let seeds: [[UInt8]] = [
        "GET /index.html?a=b HTTP/1.1\r\nHost: example.com\r\nUser-Agent: fuzz\r\nAccept: */*\r\n\r\n",
        "POST /input HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world",
        "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX: y\r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nHEAD /h HTTP/1.1\r\nHost: b\r\nExpect: 100-continue\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
    ].map { Array($0.utf8) }

    static let interesting: [UInt8] = Array("\r\n :;,\t\0\u{7F}0fF\"-/?*HTTP".utf8) + [0x80, 0xFF]

    /// A mutation of a seed: byte flips, insertions, truncation or a splice of two seeds.
    static func mutate(_ random: inout SplitMix64) -> [UInt8] {
        var bytes = seeds[Int.random(in: 0..<seeds.count, using: &random)]
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            guard !bytes.isEmpty else { break }
            let position = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: bytes[position] = UInt8.random(in: 0...255, using: &random)
            case 1: bytes[position] = interesting.randomElement(using: &random)!
            case 2: bytes.insert(interesting.randomElement(using: &random)!, at: position)
            case 3: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...8, using: &random)))
            case 4: bytes = Array(bytes[..<position])
            default:
                let other = seeds[Int.random(in: 0..<seeds.count, using: &random)]
                bytes = Array(bytes[..<position]) + other[Int.random(in: 0..<other.count, using: &random)...]
            }
        }
        return bytes
    }

    @Test(
        "Mutated requests end as requests, a wait for more, or an error status; never a crash or hang",
        .timeLimit(.minutes(3)))
    func mutations() {
        var random = SplitMix64(seed: 0x5EED_1234)
        let statuses: Set<Int> = [400, 413, 414, 431, 501, 505]
        let limits = HTTPLimits(maxHeaderSize: 512, maxTargetSize: 128, maxHeaderCount: 12)
        for iteration in 0..<4000 {
            let bytes = Self.mutate(&random)
            var whole = DecoderHarness(limits: limits, bodyLimit: 64)
            whole.feed(bytes)
            if let error = whole.error {
                #expect(statuses.contains(error.status.code), "case \(iteration)")
                #expect(!error.message.isEmpty)
            }
            for request in whole.requests {
                #expect(HTTPMethod.implemented.contains(request.head.head.method), "case \(iteration)")
                #expect(request.body.count <= 64, "case \(iteration)")
            }
            // The same bytes in random pieces must give the same outcome.
            var pieces: [Int] = []
            var total = 0
            while total < bytes.count {
                let size = Int.random(in: 1...max(1, bytes.count / 3), using: &random)
                pieces.append(size)
                total += size
            }
            var split = DecoderHarness(limits: limits, bodyLimit: 64)
            split.feed(bytes, pieces: pieces)
            #expect(
                split.outcome == whole.outcome,
                "case \(iteration): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
    }

    @Test("Random bytes never crash the decoder", .timeLimit(.minutes(3)))
    func noise() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<1000 {
            let bytes = (0..<Int.random(in: 0..<300, using: &random)).map { _ in
                UInt8.random(in: 0...255, using: &random)
            }
            var harness = DecoderHarness(limits: HTTPLimits(maxHeaderSize: 256), bodyLimit: 64)
            harness.feed(bytes)
            if let error = harness.error { #expect([400, 413, 414, 431, 501, 505].contains(error.status.code)) }
        }
    }
}
