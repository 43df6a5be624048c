/// Remembers the wire bytes of the last prepared header set an encoder wrote together
/// with the default fields it lacks, so that answers sent with the same static set (most
/// of them) copy one block. Each event loop has its own encoder, so one thread uses it.
final class PreparedHeadersCache {
    private var wire: HTTPHeaders.WireForm?
    private var encoded: (bytes: [UInt8], hasDate: Bool) = ([], false)

    /// The bytes of `wire` followed by those of `defaults` whose names it lacks, and
    /// whether it holds a `Date` field.
    func encoding(
        of wire: HTTPHeaders.WireForm,
        adding defaults: [(lowercasedName: String, bytes: [UInt8])]
    ) -> (bytes: [UInt8], hasDate: Bool) {
        if wire === self.wire { return encoded }
        var bytes = wire.bytes
        for field in defaults where !wire.lowercasedNames.contains(field.lowercasedName) {
            bytes += field.bytes
        }
        self.wire = wire
        encoded = (bytes, wire.lowercasedNames.contains("date"))
        return encoded
    }
}
