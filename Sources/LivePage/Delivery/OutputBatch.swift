/// The events one output answer carries, in seq order.
public struct OutputBatch: Sendable {
    /// One event and the seq it has for this client.
    public struct Item: Sendable {
        /// The event's seq for this client.
        public let seq: UInt64
        /// The event.
        public let event: EncodedEvent
    }

    /// The client's queue, which the answer shares rather than copies: a queue changed while
    /// an answer still holds it copies itself first (copy on write), which is correct and
    /// rare, since the page acknowledges with its next poll, after this answer was written
    /// and dropped.
    private let queue: [Item]
    /// Where the answer's events lie in ``queue``, in seq order. The queue and the range
    /// take three words, the most a value may take to be held in a response's body without
    /// an allocation of its own.
    private let range: Range<Int>

    /// The events, in seq order; empty for an idle answer. A copy made on each read.
    public var items: [Item] { Array(queue[range]) }

    /// Whether the answer is idle: the hold time passed with nothing to send.
    public var isEmpty: Bool { range.isEmpty }

    /// The number of events.
    public var count: Int { range.count }

    /// A batch of the events of `queue` in `range`.
    init(queue: [Item], range: Range<Int>) {
        self.queue = queue
        self.range = range
    }

    /// A batch with no events: the answer of a poll whose hold time passed.
    static let idle = OutputBatch(queue: [], range: 0..<0)

    /// The answer body: `{"events":[{"seq":41,"verb":...},...]}`, in a new array.
    public func jsonBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(jsonByteCount)
        writeJSON(to: &bytes)
        return bytes
    }

    /// The length of ``jsonBytes()``, counted without making it.
    public var jsonByteCount: Int {
        // `{"events":[` and `]}`, then `{"seq":`, the digits, `,`, the members and `}` for
        // each event, and the commas between them.
        queue.withUnsafeBufferPointer { items in
            var count = 13 + max(0, range.count - 1)
            for index in range {
                count += 9 + Self.decimalDigits(items[index].seq) + items[index].event.members.count
            }
            return count
        }
    }

    /// Appends ``jsonBytes()`` to `bytes`: the engine writes an answer's body straight into
    /// its output this way, with no array of its own.
    ///
    /// The fixed parts are copied from static strings' bytes and the seq is written digit
    /// by digit: appending a `String`'s UTF-8 view costs reference counting, and
    /// `String(seq)` a string.
    public func writeJSON(to bytes: inout [UInt8]) {
        // The items, and each event's members, are read in place: a `for` over the slice
        // copied each item out, and appending the members array retained and released it.
        queue.withUnsafeBufferPointer { items in
            Self.append(#"{"events":["#, to: &bytes)
            for index in range {
                if index > range.lowerBound { bytes.append(UInt8(ascii: ",")) }
                Self.append(#"{"seq":"#, to: &bytes)
                Self.appendDecimal(items[index].seq, to: &bytes)
                bytes.append(UInt8(ascii: ","))
                items[index].event.members.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
                bytes.append(UInt8(ascii: "}"))
            }
            Self.append("]}", to: &bytes)
        }
    }

    /// The number of decimal digits of `value`.
    private static func decimalDigits(_ value: UInt64) -> Int {
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        return digits
    }

    private static func append(_ literal: StaticString, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends `value` in decimal, most significant digit first.
    private static func appendDecimal(_ value: UInt64, to bytes: inout [UInt8]) {
        var divisor: UInt64 = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
