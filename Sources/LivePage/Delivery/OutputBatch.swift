/// The events one output answer carries, in seq order.
public struct OutputBatch: Sendable {
    /// One event and the seq it has for this client.
    public struct Item: Sendable {
        /// The event's seq for this client.
        public let seq: UInt64
        /// The event.
        public let event: EncodedEvent
    }

    /// The events, in seq order: a slice of the client's queue, which shares its storage,
    /// so that an answer copies no event. A queue changed while an answer still holds the
    /// slice copies itself first (copy on write), which is correct and rare: the page
    /// acknowledges with its next poll, after this answer was written and dropped.
    private let slice: ArraySlice<Item>

    /// The events, in seq order; empty for an idle answer. A copy made on each read.
    public var items: [Item] { Array(slice) }

    /// Whether the answer is idle: the hold time passed with nothing to send.
    public var isEmpty: Bool { slice.isEmpty }

    /// A batch of `items`, which may be a slice of a client's queue.
    init(items: ArraySlice<Item>) {
        slice = items
    }

    /// A batch with no events: the answer of a poll whose hold time passed.
    static let idle = OutputBatch(items: [])

    /// The answer body: `{"events":[{"seq":41,"verb":...},...]}`.
    ///
    /// Every answer makes one, so the fixed parts are copied from static strings' bytes and
    /// the seq is written digit by digit: appending a `String`'s UTF-8 view costs reference
    /// counting, and `String(seq)` a string.
    public func jsonBytes() -> [UInt8] {
        // The items, and each event's members, are read in place: a `for` over the slice
        // copied each item out, and appending the members array retained and released it.
        slice.withUnsafeBufferPointer { items in
            var size = 14
            for index in items.indices { size += items[index].event.members.count + 30 }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(size)
            Self.append(#"{"events":["#, to: &bytes)
            for index in items.indices {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.append(#"{"seq":"#, to: &bytes)
                Self.appendDecimal(items[index].seq, to: &bytes)
                bytes.append(UInt8(ascii: ","))
                items[index].event.members.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
                bytes.append(UInt8(ascii: "}"))
            }
            Self.append("]}", to: &bytes)
            return bytes
        }
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
