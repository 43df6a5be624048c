import LivePageEvents
import Testing

@testable import LivePage

/// An answer's body as the engine writes it in place: the length it states before writing
/// is the length it writes, for every width of seq, and the bytes are those of
/// `jsonBytes()`.
@Suite(.timeLimit(.minutes(1)))
struct OutputBatchTests {
    /// A batch of one event per seq in `seqs`.
    func batch(_ seqs: [UInt64], skipping skipped: Int = 0) -> OutputBatch {
        let items = seqs.map { OutputBatch.Item(seq: $0, event: EncodedEvent(Append(id: "t", html: "<b>\($0)</b>"))) }
        return OutputBatch(queue: items, range: skipped..<items.count)
    }

    @Test("The stated length is the written length, whatever the seqs' widths")
    func statedLengthIsWrittenLength() {
        let widths: [UInt64] = [0, 1, 9, 10, 99, 100, 12_345, 999_999_999, (1 << 53) - 1, .max]
        for batch in [batch([]), batch([7]), batch(widths), batch(widths, skipping: 3), batch(widths, skipping: widths.count)] {
            var written: [UInt8] = Array("prefix".utf8)
            batch.writeJSON(to: &written)
            #expect(written.count - 6 == batch.jsonByteCount)
            #expect(Array(written.dropFirst(6)) == batch.jsonBytes())
        }
    }

    @Test("The body is the events in seq order, each with its seq")
    func bodyText() {
        let text = String(decoding: batch([9, 10, 11], skipping: 1).jsonBytes(), as: UTF8.self)
        #expect(text.hasPrefix(#"{"events":[{"seq":10,"#))
        #expect(text.contains(#"},{"seq":11,"#))
        #expect(text.hasSuffix("}]}"))
        #expect(!text.contains(#""seq":9,"#))
        #expect(String(decoding: OutputBatch.idle.jsonBytes(), as: UTF8.self) == #"{"events":[]}"#)
        #expect(OutputBatch.idle.jsonByteCount == 13)
    }
}
