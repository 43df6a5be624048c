/// The id of one client (one open page): a random version-4 UUID, written in lowercase.
///
/// The id is the bearer secret for its client: whoever holds it can read the client's
/// events and send input as its principal. It is drawn from the system's secure random
/// generator (`getrandom`), which leaves 122 unpredictable bits once the UUID version
/// and variant bits are set. ``description`` gives the full id for the one place that
/// needs it, the registration answer; logs and metrics use ``redacted``.
///
/// When several servers share the clients of one site, each id carries its home
/// server's tag in its first byte (its first two hex digits), so that a load balancer
/// sends every request of a client to the server that holds its queue; 114 bits stay
/// unpredictable.
public struct ClientID: Sendable, Hashable {
    /// The first 8 bytes, most significant first.
    let high: UInt64
    /// The last 8 bytes.
    let low: UInt64

    /// A new random id; with a `nodeTag`, its first byte is that tag.
    public init(nodeTag: UInt8? = nil) {
        var generator = SystemRandomNumberGenerator()
        self.init(random: &generator, nodeTag: nodeTag)
    }

    /// A new id from `generator`, which must be cryptographically secure outside tests.
    init(random generator: inout some RandomNumberGenerator, nodeTag: UInt8? = nil) {
        var high = generator.next() as UInt64
        let low = generator.next() as UInt64
        if let nodeTag { high = (high & 0x00FF_FFFF_FFFF_FFFF) | UInt64(nodeTag) << 56 }
        // Version 4 (bits 76-79 of the UUID = 0100) and the RFC 4122 variant (10).
        self.high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        self.low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
    }

    /// The id's first byte: its home server's tag, when servers tag their ids.
    public var nodeTag: UInt8 { UInt8(truncatingIfNeeded: high >> 56) }

    /// The id written as `text`, or `nil` unless it is exactly a lowercase UUID
    /// (`8-4-4-4-12` hex digits). Uppercase is refused so that one id has one spelling.
    public init?(_ text: String) {
        var text = text
        guard let id = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = id
    }

    /// The id written as `text` (a slice of a request path, say); see ``init(_:)-(String)``.
    public init?(_ text: Substring) {
        var text = text
        guard let id = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = id
    }

    /// The id whose text is the UTF-8 `bytes` (a run of a request's target, read in place),
    /// or `nil` unless it is exactly a lowercase UUID; see ``init(_:)-(String)``.
    package init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let id = Self.parse(bytes) else { return nil }
        self = id
    }

    /// Parses a lowercase UUID. Not generic, so that callers in other modules do not run
    /// an unspecialized copy on every request. Straight-line over the fixed positions of the
    /// dashes and digits: it runs on every poll.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> ClientID? {
        let dash = UInt8(ascii: "-")
        guard bytes.count == 36, bytes[8] == dash, bytes[13] == dash, bytes[18] == dash, bytes[23] == dash else {
            return nil
        }
        // Each digit's value, or 0xFF for a byte that is not a lowercase hex digit; `invalid`
        // collects the high bits, so one test at the end says whether any was.
        var invalid: UInt8 = 0
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 { high = append(bytes[index], to: high, invalid: &invalid) }
        for index in 9..<13 { high = append(bytes[index], to: high, invalid: &invalid) }
        for index in 14..<18 { high = append(bytes[index], to: high, invalid: &invalid) }
        for index in 19..<23 { low = append(bytes[index], to: low, invalid: &invalid) }
        for index in 24..<36 { low = append(bytes[index], to: low, invalid: &invalid) }
        return invalid & 0xF0 == 0 ? ClientID(high: high, low: low) : nil
    }

    /// `value` with the hex digit `byte` appended; a byte that is no lowercase hex digit
    /// sets high bits in `invalid`.
    @inline(__always)
    private static func append(_ byte: UInt8, to value: UInt64, invalid: inout UInt8) -> UInt64 {
        let decimal = byte &- UInt8(ascii: "0")
        let letter = byte &- UInt8(ascii: "a")
        let digit: UInt8 = decimal < 10 ? decimal : letter < 6 ? letter &+ 10 : 0xFF
        invalid |= digit
        return value << 4 | UInt64(digit & 0x0F)
    }

    /// All zero bits: no UUID of version 4, so no client's; fills the empty slots of a
    /// ``ClientTable``.
    static let zero = ClientID(high: 0, low: 0)

    private init(high: UInt64, low: UInt64) {
        (self.high, self.low) = (high, low)
    }

    /// The first 8 hex digits: all that logs and metrics may show of an id.
    public var redacted: String { String(Self.hex(high).prefix(8)) }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Combines the id's random bits; they are uniform already.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(high ^ low)
    }
}

extension ClientID: CustomStringConvertible {
    /// The full id as a lowercase UUID. It is a secret: never log it.
    public var description: String {
        let high = Self.hex(high)
        let low = Self.hex(low)
        let highUTF8 = Array(high.utf8)
        let lowUTF8 = Array(low.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(36)
        bytes += highUTF8[0..<8]
        bytes.append(UInt8(ascii: "-"))
        bytes += highUTF8[8..<12]
        bytes.append(UInt8(ascii: "-"))
        bytes += highUTF8[12..<16]
        bytes.append(UInt8(ascii: "-"))
        bytes += lowUTF8[0..<4]
        bytes.append(UInt8(ascii: "-"))
        bytes += lowUTF8[4..<16]
        return String(decoding: bytes, as: UTF8.self)
    }
}
