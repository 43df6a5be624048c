extension EventLoop {
    /// Encodes `response` at the end of the group buffer, with the loop's `Date` line.
    ///
    /// A method of the loop, so that the encoder is used in place: encoding from a connection
    /// (`loop.encoder.encode(…, appendingTo: &loop.groupBuffer)`) copied the encoder, four
    /// reference counts and back, for every response.
    /// - Returns: Where the encoded response lies in ``groupBuffer``.
    func encodeIntoGroup(_ response: HTTPResponse, context: HTTPResponseEncoder.Context) -> Range<Int> {
        let start = groupBuffer.count
        encoder.encode(response, context: context, date: dateCache.headerLine(), appendingTo: &groupBuffer)
        return start..<groupBuffer.count
    }

    /// Encodes `response` into a buffer of its own, with the loop's `Date` line.
    func encode(_ response: HTTPResponse, context: HTTPResponseEncoder.Context) -> [UInt8] {
        encoder.encode(response, context: context, date: dateCache.headerLine())
    }
}
