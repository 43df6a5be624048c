/// The events one output answer carries, in seq order.
public struct OutputBatch: Sendable {
    /// One event and the seq it has for this client.
    public struct Item: Sendable {
        /// The event's seq for this client.
        public let seq: UInt64
        /// The event.
        public let event: EncodedEvent
    }

    /// The events, in seq order; empty for an idle answer.
    public let items: [Item]

    /// Whether the answer is idle: the hold time passed with nothing to send.
    public var isEmpty: Bool { items.isEmpty }

    /// The answer body: `{"events":[{"seq":41,"verb":...},...]}`.
    public func jsonBytes() -> [UInt8] {
        var size = 14
        for item in items { size += item.event.members.count + 30 }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        bytes.append(contentsOf: #"{"events":["#.utf8)
        for (index, item) in items.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: #"{"seq":"#.utf8)
            bytes.append(contentsOf: String(item.seq).utf8)
            bytes.append(UInt8(ascii: ","))
            bytes.append(contentsOf: item.event.members)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(contentsOf: "]}".utf8)
        return bytes
    }
}
