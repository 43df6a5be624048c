/// One complete HTTP/1.1 response found at the start of a byte run.
struct HTTPResponse {
    /// The status code, 100 to 599.
    var status: Int
    /// Where the body is: `.inline` is a range of the parsed bytes, `.decoded` the
    /// parser's buffer of de-chunked bytes (valid until its next parse).
    var body: Body
    /// Bytes of the run this response took, head and body.
    var consumed: Int
    /// Whether the server closes the connection after it (`Connection: close`, HTTP/1.0
    /// without keep-alive, or a body that ran to the end of the stream).
    var closes: Bool
    /// The values of `Last-Modified` and `Etag`, as ranges of the parsed bytes: what an
    /// Nchan subscriber sends back to get the next messages.
    var lastModified: Range<Int>?
    var etag: Range<Int>?

    enum Body {
        case inline(Range<Int>)
        case decoded
    }
}

/// What the parser made of the bytes so far.
enum HTTPResponseParse {
    /// The run starts with a complete response.
    case complete(HTTPResponse)
    /// More bytes are needed.
    case incomplete
    /// The bytes are not an HTTP/1.x response; the reason names the fault.
    case malformed(String)
}

/// Parses HTTP/1.1 responses as a client needs them: the status, `Content-Length` or
/// chunked bodies (or a body that runs to the end of the stream), `Connection`, and
/// Nchan's validators `Last-Modified` and `Etag`.
///
/// Lenient where a benchmark may be (header values are not validated) and bounded
/// where it must be: a head over 64 KiB or a body over 64 MiB is malformed.
struct HTTPResponseParser {
    /// Head bytes at most.
    static let maximumHeadSize = 64 * 1024
    /// Body bytes at most.
    static let maximumBodySize = 64 * 1024 * 1024

    /// De-chunked bodies.
    let decoded = ByteBuffer(capacity: 4096)

    /// Parses the response at the start of `bytes`.
    /// - Parameters:
    ///   - bytes: What the connection has received and not yet consumed.
    ///   - atEnd: Whether the peer closed its side, so nothing more will come.
    func parse(_ bytes: UnsafeRawBufferPointer, atEnd: Bool) -> HTTPResponseParse {
        guard let headEnd = Self.find(crlfcrlf, in: bytes, from: 0) else {
            return bytes.count > Self.maximumHeadSize ? .malformed("response head over 64 KiB") : .incomplete
        }
        let bodyStart = headEnd + 4
        guard bytes.count >= 12, Self.matches(bytes, at: 0, "HTTP/1."),
            let status = Self.digits(bytes, from: 9, count: 3), (100...599).contains(status)
        else { return .malformed("not an HTTP/1.x status line") }
        var closes = bytes[7] == UInt8(ascii: "0")
        var contentLength: Int?
        var chunked = false
        var lastModified: Range<Int>?
        var etag: Range<Int>?
        var line = Self.find(crlf, in: bytes, from: 0)! + 2
        while line < headEnd {
            let lineEnd = Self.find(crlf, in: bytes, from: line) ?? headEnd
            if let value = Self.headerValue(bytes, line: line, end: lineEnd, name: "content-length") {
                guard let length = Self.digits(bytes, from: value.lowerBound, count: value.count) else {
                    return .malformed("bad Content-Length")
                }
                contentLength = length
            } else if let value = Self.headerValue(bytes, line: line, end: lineEnd, name: "transfer-encoding") {
                chunked = Self.contains(bytes, value, "chunked")
            } else if let value = Self.headerValue(bytes, line: line, end: lineEnd, name: "connection") {
                if Self.contains(bytes, value, "close") { closes = true }
                if Self.contains(bytes, value, "keep-alive") { closes = false }
            } else if let value = Self.headerValue(bytes, line: line, end: lineEnd, name: "last-modified") {
                lastModified = value
            } else if let value = Self.headerValue(bytes, line: line, end: lineEnd, name: "etag") {
                etag = value
            }
            line = lineEnd + 2
        }
        // The response without its body, which each framing below fills in.
        var response = HTTPResponse(
            status: status, body: .inline(bodyStart..<bodyStart), consumed: bodyStart, closes: closes,
            lastModified: lastModified, etag: etag)
        if status < 200 || status == 204 || status == 304 { return .complete(response) }
        if chunked { return parseChunks(bytes, into: response) }
        if let contentLength {
            guard contentLength <= Self.maximumBodySize else { return .malformed("body over 64 MiB") }
            guard bytes.count - bodyStart >= contentLength else { return .incomplete }
            response.consumed = bodyStart + contentLength
            response.body = .inline(bodyStart..<response.consumed)
            return .complete(response)
        }
        guard atEnd else {
            return bytes.count - bodyStart > Self.maximumBodySize ? .malformed("body over 64 MiB") : .incomplete
        }
        response.body = .inline(bodyStart..<bytes.count)
        response.consumed = bytes.count
        response.closes = true
        return .complete(response)
    }

    /// De-chunks the body that starts at `response.consumed` into `decoded`.
    private func parseChunks(_ bytes: UnsafeRawBufferPointer, into response: HTTPResponse) -> HTTPResponseParse {
        decoded.count = 0
        var position = response.consumed
        while true {
            guard let sizeEnd = Self.find(crlf, in: bytes, from: position) else {
                return bytes.count - position > 1024 ? .malformed("chunk size line over 1 KiB") : .incomplete
            }
            var size = 0
            var index = position
            while index < sizeEnd, let digit = Self.hexValue(bytes[index]) {
                size = size * 16 + digit
                guard size <= Self.maximumBodySize else { return .malformed("chunk over 64 MiB") }
                index += 1
            }
            guard index > position else { return .malformed("bad chunk size") }
            position = sizeEnd + 2
            if size == 0 {
                // Trailers, up to an empty line.
                while true {
                    guard let trailerEnd = Self.find(crlf, in: bytes, from: position) else { return .incomplete }
                    let empty = trailerEnd == position
                    position = trailerEnd + 2
                    if empty { break }
                }
                var complete = response
                complete.body = .decoded
                complete.consumed = position
                return .complete(complete)
            }
            guard decoded.count + size <= Self.maximumBodySize else { return .malformed("body over 64 MiB") }
            guard bytes.count - position >= size + 2 else { return .incomplete }
            decoded.append(UnsafeRawBufferPointer(rebasing: bytes[position..<position + size]))
            position += size + 2
        }
    }

    // MARK: Byte helpers

    private let crlf: StaticString = "\r\n"
    private let crlfcrlf: StaticString = "\r\n\r\n"

    private static func find(_ needle: StaticString, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        let count = needle.utf8CodeUnitCount
        let first = needle.utf8Start[0]
        var index = start
        while index + count <= bytes.count {
            if bytes[index] == first {
                var matched = true
                for offset in 1..<count where bytes[index + offset] != needle.utf8Start[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }

    private static func matches(_ bytes: UnsafeRawBufferPointer, at start: Int, _ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard start + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[start + offset] != text.utf8Start[offset] { return false }
        return true
    }

    private static func digits(_ bytes: UnsafeRawBufferPointer, from start: Int, count: Int) -> Int? {
        guard count > 0, count <= 18, start + count <= bytes.count else { return nil }
        var value = 0
        for index in start..<start + count {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    /// The trimmed value range of the header on `line..<end` if its name is `name`
    /// (lower case, compared without regard to case).
    private static func headerValue(
        _ bytes: UnsafeRawBufferPointer, line: Int, end: Int, name: StaticString
    ) -> Range<Int>? {
        let count = name.utf8CodeUnitCount
        guard end - line > count, bytes[line + count] == UInt8(ascii: ":") else { return nil }
        for offset in 0..<count where bytes[line + offset] | 0x20 != name.utf8Start[offset] { return nil }
        var start = line + count + 1
        var stop = end
        while start < stop, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
        while stop > start, bytes[stop - 1] == UInt8(ascii: " ") || bytes[stop - 1] == UInt8(ascii: "\t") { stop -= 1 }
        return start..<stop
    }

    /// Whether `range` of `bytes` contains `word`, without regard to case.
    private static func contains(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        var index = range.lowerBound
        while index + count <= range.upperBound {
            var matched = true
            for offset in 0..<count where bytes[index + offset] | 0x20 != word.utf8Start[offset] {
                matched = false
                break
            }
            if matched { return true }
            index += 1
        }
        return false
    }
}
