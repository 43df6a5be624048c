/// Where a request-target's path and query lie in its UTF-8, as byte offsets: found once
/// when the target is parsed, so that neither is copied into a string of its own.
struct TargetParts: Sendable, Equatable {
    /// A run of bytes of the target, `start..<end`.
    struct Span: Sendable, Equatable {
        var start: Int
        var end: Int

        var isEmpty: Bool { start == end }
    }

    /// The path: up to the first `?`, after the authority of an absolute-form target.
    /// Empty for an absolute-form target with no path (`http://host`), which means `/`.
    var path: Span
    /// After the first `?`; `nil` when there is none.
    var query: Span?

    /// The parts of the target whose UTF-8 is `bytes`.
    init(bytes: UnsafeBufferPointer<UInt8>) {
        var start = 0
        if bytes.first != UInt8(ascii: "/"), let scheme = Self.end(of: "://", in: bytes) {
            // Absolute form: the path starts at the first "/" or "?" after the authority.
            start = bytes[scheme...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? bytes.count
        }
        if let mark = bytes[start...].firstIndex(of: UInt8(ascii: "?")) {
            path = Span(start: start, end: mark)
            query = Span(start: mark + 1, end: bytes.count)
        } else {
            path = Span(start: start, end: bytes.count)
            query = nil
        }
    }

    /// The offset just past the first occurrence of `literal` in `bytes`.
    private static func end(of literal: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let needle = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard bytes.count >= needle.count else { return nil }
        for offset in 0...(bytes.count - needle.count)
        where UnsafeBufferPointer(rebasing: bytes[offset..<(offset + needle.count)]).elementsEqual(needle) {
            return offset + needle.count
        }
        return nil
    }
}
