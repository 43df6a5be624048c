/// An incremental RESP2 decoder: bytes go in as they arrive, split anywhere, and whole
/// values come out in order.
///
/// ```swift
/// var decoder = RESPDecoder()
/// decoder.append(Array("*2\r\n$3\r\nfoo\r\n:4".utf8))
/// try decoder.next()  // nil: the array is not complete
/// decoder.append(Array("2\r\n".utf8))
/// try decoder.next()  // .array([.bulkString("foo"), .integer(42)])
/// ```
///
/// It enforces `RESPLimits` as the bytes arrive, before allocating for them, and never
/// reserves memory for a length it has only been promised. After an error it stays failed
/// (the stream cannot be resynchronised): every later `next()` throws the same error.
///
/// Each line is scanned once however it is split; an unfinished array is kept as a stack
/// of frames, so a large reply arriving in many reads costs time in proportion to its size.
public struct RESPDecoder: Sendable {
    /// The limits values must keep within.
    public let limits: RESPLimits

    /// An array whose elements are still arriving.
    private struct Frame {
        var remaining: Int
        var elements: [RESPValue]
    }

    private var buffer: [UInt8] = []
    /// Where the next undecoded byte is in `buffer`.
    private var readIndex = 0
    /// How far past `readIndex` the current line has been scanned without finding its end.
    private var scannedLength = 0
    /// The arrays being filled, innermost last.
    private var frames: [Frame] = []
    /// The length of a bulk string whose header has been read and whose bytes have not.
    private var pendingBulkLength: Int?
    /// Protocol bytes consumed so far for the current top-level value.
    private var valueSize = 0
    private var failure: RESPDecodingError?

    /// A decoder enforcing `limits` (default `RESPLimits()`).
    public init(limits: RESPLimits = RESPLimits()) {
        self.limits = limits
    }

    /// How many received bytes have not been decoded yet. The lines of an unfinished array
    /// are decoded as they arrive, so this is not the size of an unfinished value; it is 0
    /// when everything received has been returned or taken into one.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Adds bytes received from the peer.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Adds bytes received from the peer, straight from a read buffer.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// The next complete value, or `nil` if more bytes are needed.
    /// - Throws: `RESPDecodingError` when the bytes are not RESP2 or break a limit; the
    ///   decoder then stays failed.
    public mutating func next() throws(RESPDecodingError) -> RESPValue? {
        if let failure { throw failure }
        do {
            return try decodeNext()
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func decodeNext() throws(RESPDecodingError) -> RESPValue? {
        while true {
            guard let scalar = try decodeScalarOrOpenArray() else { return nil }
            guard case .some(let value) = scalar else { continue }
            // Place the value in its array; each array completed goes up a level.
            var completed = value
            while let last = frames.indices.last {
                frames[last].elements.append(completed)
                frames[last].remaining -= 1
                guard frames[last].remaining == 0 else { break }
                completed = .array(frames.removeLast().elements)
            }
            if frames.isEmpty {
                valueSize = 0
                return completed
            }
        }
    }

    /// Decodes one token: `nil` when more bytes are needed, `.some(nil)` when it opened an
    /// array or read a bulk header, `.some(value)` for a complete value.
    private mutating func decodeScalarOrOpenArray() throws(RESPDecodingError) -> RESPValue?? {
        if let length = pendingBulkLength {
            guard buffer.count - readIndex >= length + 2 else { return nil }
            let end = readIndex + length
            guard buffer[end] == RESPByte.cr, buffer[end + 1] == RESPByte.lf else { throw .missingTerminator }
            let value = RESPValue.bulkString(Array(buffer[readIndex..<end]))
            readIndex = end + 2
            pendingBulkLength = nil
            return .some(value)
        }
        guard readIndex < buffer.count else { return nil }
        let type = buffer[readIndex]
        guard RESPByte.respTypes.contains(type) else { throw .unknownType(type) }
        guard let line = try nextLine() else { return nil }
        let content = buffer[(line.lowerBound + 1)..<line.upperBound]
        switch type {
        case RESPByte.plus:
            return .some(.simpleString(String(decoding: content, as: UTF8.self)))
        case RESPByte.minus:
            return .some(.error(String(decoding: content, as: UTF8.self)))
        case RESPByte.colon:
            guard let value = Self.integer(content) else { throw .invalidInteger }
            return .some(.integer(value))
        case RESPByte.dollar:
            guard let length = Self.length(content) else { throw .invalidLength }
            if length < 0 { return .some(.null) }
            guard length <= limits.maximumBulkLength else {
                throw .bulkTooLong(length: length, limit: limits.maximumBulkLength)
            }
            try account(length + 2)
            pendingBulkLength = length
            return .some(nil)
        default:  // RESPByte.star
            guard let length = Self.length(content) else { throw .invalidLength }
            if length < 0 { return .some(.null) }
            guard length <= limits.maximumArrayLength else {
                throw .arrayTooLong(length: length, limit: limits.maximumArrayLength)
            }
            guard frames.count < limits.maximumDepth else { throw .tooDeep(limit: limits.maximumDepth) }
            if length == 0 { return .some(.array([])) }
            var elements: [RESPValue] = []
            elements.reserveCapacity(min(length, 16))
            frames.append(Frame(remaining: length, elements: elements))
            return .some(nil)
        }
    }

    /// The range of the line at `readIndex` without its CRLF (its type byte included),
    /// consuming it; `nil` if its end has not arrived.
    private mutating func nextLine() throws(RESPDecodingError) -> Range<Int>? {
        let limit = limits.maximumLineLength
        var index = readIndex + scannedLength
        let end = min(buffer.count, readIndex + limit + 2)
        while index < end {
            switch buffer[index] {
            case RESPByte.cr:
                guard index + 1 < buffer.count else {
                    scannedLength = index - readIndex
                    return nil
                }
                guard buffer[index + 1] == RESPByte.lf else { throw .invalidLine }
                guard index - readIndex <= limit else { throw .lineTooLong(limit: limit) }
                try account(index - readIndex + 2)
                let line = readIndex..<index
                readIndex = index + 2
                scannedLength = 0
                return line
            case RESPByte.lf:
                throw .invalidLine
            default:
                index += 1
            }
        }
        guard buffer.count - readIndex < limit + 2 else { throw .lineTooLong(limit: limit) }
        scannedLength = index - readIndex
        return nil
    }

    /// Counts `count` more protocol bytes towards the current value's size limit.
    private mutating func account(_ count: Int) throws(RESPDecodingError) {
        valueSize += count
        guard valueSize <= limits.maximumValueSize else { throw .valueTooLarge(limit: limits.maximumValueSize) }
    }

    /// Drops consumed bytes, when that frees enough to be worth the copy.
    private mutating func compact() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
            readIndex = 0
        } else if readIndex >= 64 << 10, readIndex >= buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }

    /// A decimal 64-bit integer with an optional minus sign.
    private static func integer(_ digits: ArraySlice<UInt8>) -> Int? {
        var digits = digits
        let negative = digits.first == RESPByte.minus
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 19 else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= RESPByte.zero, digit <= RESPByte.nine else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowAgain) = shifted.addingReportingOverflow(Int(digit - RESPByte.zero))
            guard !overflow, !overflowAgain else {
                // -9223372036854775808 overflows as a positive number before its sign.
                return negative && digits.elementsEqual("9223372036854775808".utf8) ? Int.min : nil
            }
            value = sum
        }
        return negative ? -value : value
    }

    /// A length: a non-negative decimal number, or -1 for null.
    private static func length(_ digits: ArraySlice<UInt8>) -> Int? {
        if digits.elementsEqual([RESPByte.minus, RESPByte.one]) { return -1 }
        guard digits.first != RESPByte.minus, let value = integer(digits) else { return nil }
        return value
    }
}
