/// Remembers the wire bytes of the last prepared header set an encoder wrote together
/// with the default fields it lacks, so that answers sent with the same static set (most
/// of them) copy one block. Each event loop has its own encoder, so one thread uses it.
final class PreparedHeadersCache {
    private var wire: HTTPHeaders.WireForm?
    private var encoded: (bytes: [UInt8], hasDate: Bool) = ([], false)

    /// Appends the bytes of `wire` followed by those of `defaults` whose names it lacks, and
    /// says whether it holds a `Date` field. Appended here, from the cache's own storage:
    /// handing the cached array out retained and released it for every response.
    func append(
        _ wire: HTTPHeaders.WireForm,
        adding defaults: [(lowercasedName: String, bytes: [UInt8])],
        to bytes: inout [UInt8]
    ) -> Bool {
        if wire !== self.wire {
            var encoded = wire.bytes
            for field in defaults where !wire.lowercasedNames.contains(field.lowercasedName) {
                encoded += field.bytes
            }
            self.wire = wire
            self.encoded = (encoded, wire.lowercasedNames.contains("date"))
        }
        ASCII.append(bytesOf: encoded.bytes, to: &bytes)
        return encoded.hasDate
    }
}
