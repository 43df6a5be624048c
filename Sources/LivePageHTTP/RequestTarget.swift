/// A request-target's UTF-8, held in place up to ``inlineCapacity`` bytes and as a `String`
/// beyond.
///
/// A poll's target (`/livepage/clients/{id}/output?after=7`, about 70 bytes) is too long for
/// a small `String` (15 bytes): as a `String` it cost a heap allocation per request, and a
/// retain and a release at each copy of the head on its way to the handler. Held in place it
/// costs neither; a `String` is made only when ``HTTPRequestHead/target`` is read, which
/// routes that match bytes never do.
struct RequestTarget: Sendable, Equatable {
    /// The longest target held in place, in bytes.
    static let inlineCapacity = 96

    /// The bytes of an inline target: 96 bytes, as twelve words so that the type is plain
    /// data (copied, never reference-counted).
    private typealias InlineBytes = (
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
    )

    private enum Storage: Sendable {
        /// The first `count` bytes of the words.
        case inline(InlineBytes, count: UInt8)
        /// A target longer than ``inlineCapacity``, or one a caller set as a string.
        case string(String)
    }

    private var storage: Storage

    /// The target whose UTF-8 is `bytes`, as the decoder found it.
    init(bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= Self.inlineCapacity else {
            storage = .string(String(decoding: bytes, as: UTF8.self))
            return
        }
        var words: InlineBytes = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) }
        storage = .inline(words, count: UInt8(bytes.count))
    }

    /// The target `string`, set by a handler or a test.
    init(_ string: String) {
        storage = .string(string)
    }

    /// The target as a string, made from the bytes when they are held in place.
    var string: String {
        switch storage {
        case .string(let string): string
        case .inline: withUTF8 { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Calls `body` with the target's UTF-8, contiguous and in place. A bridged or lazily
    /// made string is made contiguous once, in a copy.
    func withUTF8<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        switch storage {
        case .inline(var words, let count):
            return withUnsafeBytes(of: &words) { raw in
                body(UnsafeBufferPointer(rebasing: raw.assumingMemoryBound(to: UInt8.self)[0..<Int(count)]))
            }
        case .string(var string):
            return string.withUTF8(body)
        }
    }

    /// Byte for byte, however each side holds its bytes.
    static func == (lhs: RequestTarget, rhs: RequestTarget) -> Bool {
        lhs.withUTF8 { left in rhs.withUTF8 { right in left.elementsEqual(right) } }
    }
}
