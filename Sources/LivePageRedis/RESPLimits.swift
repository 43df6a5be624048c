/// The hard limits of a `RESPDecoder`, so that a broken or hostile peer cannot make it
/// allocate without bound: a value breaking one is a `RESPDecodingError`, and the
/// connection that read it is closed.
///
/// With these limits one reply can hold at most `maximumValueSize` bytes of protocol, and
/// the decoder never reserves memory for lengths it has only been promised: it grows with
/// the bytes that actually arrive.
public struct RESPLimits: Sendable, Hashable {
    /// The longest bulk string, in bytes. Default 16 MiB (LivePage's messages are events
    /// of a few kilobytes).
    public var maximumBulkLength: Int
    /// The most elements in one array. Default 1,048,576.
    public var maximumArrayLength: Int
    /// The deepest nesting of arrays; a top-level array is depth 1. Default 8.
    public var maximumDepth: Int
    /// The longest line (a simple string, an error, an integer or a length header), in
    /// bytes without its CRLF. Default 64 KiB.
    public var maximumLineLength: Int
    /// The most protocol bytes in one top-level value, all its elements included. Default
    /// 64 MiB.
    public var maximumValueSize: Int

    /// Limits with the given values; each defaults as documented on its property.
    public init(
        maximumBulkLength: Int = 16 << 20,
        maximumArrayLength: Int = 1 << 20,
        maximumDepth: Int = 8,
        maximumLineLength: Int = 64 << 10,
        maximumValueSize: Int = 64 << 20
    ) {
        self.maximumBulkLength = maximumBulkLength
        self.maximumArrayLength = maximumArrayLength
        self.maximumDepth = maximumDepth
        self.maximumLineLength = maximumLineLength
        self.maximumValueSize = maximumValueSize
    }
}
