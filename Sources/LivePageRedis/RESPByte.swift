/// The bytes RESP2 gives meaning to.
enum RESPByte {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let plus = UInt8(ascii: "+")
    static let minus = UInt8(ascii: "-")
    static let colon = UInt8(ascii: ":")
    static let dollar = UInt8(ascii: "$")
    static let star = UInt8(ascii: "*")
    static let zero = UInt8(ascii: "0")
    static let one = UInt8(ascii: "1")
    static let nine = UInt8(ascii: "9")
    /// The first bytes of the five RESP2 types.
    static let respTypes: Set<UInt8> = [plus, minus, colon, dollar, star]
}
