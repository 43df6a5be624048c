/// Reads one HTTP/1.1 response from the bytes of a client connection, as they arrive,
/// with hard limits: the head (status line and fields) and the body each have a most.
///
/// A pure state machine, fed bytes and asked for the outcome, so that it is tested
/// without sockets. Framing follows RFC 9112 §6.3: no body for `204`, `304` and
/// answers to `HEAD`; `Transfer-Encoding: chunked`; `Content-Length`; otherwise until
/// the connection closes. Interim `1xx` answers are skipped.
struct HTTPResponseDecoder {
    /// What the bytes so far make.
    enum Outcome: Equatable {
        /// A response is not complete yet.
        case needMore
        /// A whole response; whether the connection may carry another request.
        case complete(status: Int, keepAlive: Bool)
    }

    private enum Framing {
        case none
        case length(Int)
        case chunked
        case untilClose
    }

    private enum ChunkState {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers
    }

    let maximumHeadSize: Int
    let maximumBodySize: Int
    /// Whether the request was `HEAD` (its answer has no body, whatever its fields say).
    var isHeadRequest = false

    private var buffer: [UInt8] = []
    /// Where parsing resumes in `buffer`.
    private var cursor = 0
    /// Where the search for the end of the head resumes.
    private var headSearch = 0
    private var framing: Framing?
    private var chunkState = ChunkState.size
    private(set) var status = 0
    private(set) var headers = HTTPHeaders()
    private(set) var body: [UInt8] = []
    private var keepAlive = true

    init(maximumHeadSize: Int = 16 << 10, maximumBodySize: Int = 1 << 20) {
        self.maximumHeadSize = maximumHeadSize
        self.maximumBodySize = maximumBodySize
    }

    /// Whether any byte of a response has arrived.
    var hasReceivedBytes: Bool { !buffer.isEmpty || framing != nil }

    /// The response, once ``receive(_:)`` or ``endOfStream()`` said it is complete.
    var response: HTTPClientResponse { HTTPClientResponse(status: status, headers: headers, body: body) }

    /// Takes the next bytes from the connection.
    /// - Throws: ``HTTPClientError`` for an invalid or oversized response.
    mutating func receive(_ bytes: UnsafeRawBufferPointer) throws(HTTPClientError) -> Outcome {
        buffer.append(contentsOf: bytes)
        return try advance()
    }

    /// Takes the next bytes from the connection.
    mutating func receive(_ bytes: [UInt8]) throws(HTTPClientError) -> Outcome {
        buffer.append(contentsOf: bytes)
        return try advance()
    }

    /// The connection closed: a body framed by the close is complete now; anything else
    /// unfinished is an error.
    mutating func endOfStream() throws(HTTPClientError) -> Outcome {
        if case .untilClose? = framing {
            body.append(contentsOf: buffer[cursor...])
            buffer = []
            cursor = 0
            return .complete(status: status, keepAlive: false)
        }
        throw .connectionClosed
    }

    private mutating func advance() throws(HTTPClientError) -> Outcome {
        while true {
            guard let framing else {
                guard try parseHead() else { return .needMore }
                continue
            }
            switch framing {
            case .none:
                return finish()
            case .length(let length):
                let available = buffer.count - cursor
                let needed = length - body.count
                body.append(contentsOf: buffer[cursor..<(cursor + min(available, needed))])
                cursor += min(available, needed)
                compact()
                return body.count == length ? finish() : .needMore
            case .untilClose:
                body.append(contentsOf: buffer[cursor...])
                cursor = buffer.count
                compact()
                guard body.count <= maximumBodySize else { throw .responseTooLarge(limit: maximumBodySize) }
                return .needMore
            case .chunked:
                guard try parseChunks() else {
                    compact()
                    return .needMore
                }
                return finish()
            }
        }
    }

    /// A whole response: the connection is reusable unless it said otherwise or sent more
    /// than was asked for (nothing is pipelined).
    private mutating func finish() -> Outcome {
        let reusable = keepAlive && cursor == buffer.count
        buffer = []
        cursor = 0
        return .complete(status: status, keepAlive: reusable)
    }

    /// Drops the bytes parsed, once they are many, so the buffer holds only what is left.
    private mutating func compact() {
        if cursor > 4096 || cursor == buffer.count {
            buffer.removeFirst(cursor)
            cursor = 0
        }
    }

    /// Parses the head if it has arrived whole; returns whether it did.
    private mutating func parseHead() throws(HTTPClientError) -> Bool {
        guard let end = findHeadEnd() else {
            if buffer.count - cursor > maximumHeadSize { throw .responseTooLarge(limit: maximumHeadSize) }
            return false
        }
        guard end - cursor <= maximumHeadSize else { throw .responseTooLarge(limit: maximumHeadSize) }
        let lines = buffer[cursor..<end].split(separator: ASCII.lf, omittingEmptySubsequences: false).map { line in
            line.last == ASCII.cr ? line.dropLast() : line
        }
        cursor = end + 4
        headSearch = cursor
        guard let statusLine = lines.first else { throw .invalidResponse("no status line") }
        // HTTP/1.x SSS reason
        let text = Array(statusLine)
        guard text.count >= 12, text.starts(with: Array("HTTP/1.".utf8)), text[8] == ASCII.space,
            text[9...11].allSatisfy(ASCII.isDigit), text.count == 12 || text[12] == ASCII.space
        else { throw .invalidResponse("malformed status line") }
        let minor = text[7]
        guard minor == UInt8(ascii: "0") || minor == UInt8(ascii: "1") else { throw .invalidResponse("unsupported version") }
        status = Int(text[9] - 48) * 100 + Int(text[10] - 48) * 10 + Int(text[11] - 48)
        guard status >= 100 else { throw .invalidResponse("status below 100") }
        var fields = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ASCII.colon), colon > line.startIndex,
                line[line.startIndex..<colon].allSatisfy(ASCII.isTokenCharacter)
            else { throw .invalidResponse("malformed header field") }
            var start = colon + 1
            var end = line.endIndex
            while start < end, ASCII.isWhitespace(line[start]) { start += 1 }
            while end > start, ASCII.isWhitespace(line[end - 1]) { end -= 1 }
            let value = line[start..<end]
            guard value.allSatisfy(ASCII.isFieldValueCharacter) else { throw .invalidResponse("control character in a field") }
            fields.add(name: String(decoding: line[line.startIndex..<colon], as: UTF8.self), value: String(decoding: value, as: UTF8.self))
        }
        guard fields.count <= 100 else { throw .responseTooLarge(limit: maximumHeadSize) }
        if status < 200 {
            // An interim answer (100 Continue): the real one follows.
            guard status != 101 else { throw .invalidResponse("the peer switched protocols") }
            return try parseHead()
        }
        headers = fields
        let connection = fields.values(for: "Connection")
        let isHTTP11 = minor == UInt8(ascii: "1")
        if connection.isEmpty {
            keepAlive = isHTTP11
        } else {
            let options = connection.flatMap { $0.lowercased().split(separator: ",").map { $0.trimmingSpaces } }
            keepAlive = isHTTP11 ? !options.contains("close") : options.contains("keep-alive")
        }
        framing = try Self.framing(of: fields, status: status, isHeadRequest: isHeadRequest, maximumBodySize: maximumBodySize)
        if case .untilClose? = framing { keepAlive = false }
        return true
    }

    private mutating func findHeadEnd() -> Int? {
        var index = max(headSearch, cursor)
        while index + 3 < buffer.count {
            if buffer[index] == ASCII.cr, buffer[index + 1] == ASCII.lf, buffer[index + 2] == ASCII.cr, buffer[index + 3] == ASCII.lf {
                return index
            }
            index += 1
        }
        headSearch = max(cursor, buffer.count - 3)
        return nil
    }

    private static func framing(of fields: HTTPHeaders, status: Int, isHeadRequest: Bool, maximumBodySize: Int) throws(HTTPClientError)
        -> Framing
    {
        if isHeadRequest || status == 204 || status == 304 { return .none }
        let codings = fields.values(for: "Transfer-Encoding")
        if !codings.isEmpty {
            guard codings.joined(separator: ",").lowercased().split(separator: ",").map({ $0.trimmingSpaces }) == ["chunked"] else {
                throw .invalidResponse("unsupported transfer coding")
            }
            return .chunked
        }
        let given = fields.values(for: "Content-Length")
        // One plain value, as nearly every server sends it, without splitting.
        if given.count == 1, let only = given.first, !only.isEmpty, only.utf8.count <= 12, only.utf8.allSatisfy(ASCII.isDigit),
            let length = Int(only)
        {
            guard length <= maximumBodySize else { throw .responseTooLarge(limit: maximumBodySize) }
            return length == 0 ? .none : .length(length)
        }
        let lengths = Set(given.flatMap { $0.split(separator: ",").map { $0.trimmingSpaces } })
        guard let first = lengths.first else { return .untilClose }
        guard lengths.count == 1, !first.isEmpty, first.utf8.count <= 12, first.utf8.allSatisfy(ASCII.isDigit), let length = Int(first)
        else { throw .invalidResponse("invalid Content-Length") }
        guard length <= maximumBodySize else { throw .responseTooLarge(limit: maximumBodySize) }
        return length == 0 ? .none : .length(length)
    }

    /// Parses chunks as far as the bytes go; returns whether the last one and the
    /// trailers have arrived.
    private mutating func parseChunks() throws(HTTPClientError) -> Bool {
        while true {
            switch chunkState {
            case .size:
                guard let end = lineEnd() else {
                    if buffer.count - cursor > 4096 { throw .invalidResponse("chunk size line too long") }
                    return false
                }
                let line = buffer[cursor..<end]
                let digits = line.prefix { $0 != UInt8(ascii: ";") }.reversed().drop(while: ASCII.isWhitespace).reversed()
                guard !digits.isEmpty, digits.count <= 8 else { throw .invalidResponse("invalid chunk size") }
                var size = 0
                for digit in digits {
                    guard let value = ASCII.hexValue(digit) else { throw .invalidResponse("invalid chunk size") }
                    size = size * 16 + value
                }
                cursor = end + 2
                guard body.count + size <= maximumBodySize else { throw .responseTooLarge(limit: maximumBodySize) }
                chunkState = size == 0 ? .trailers : .data(remaining: size)
            case .data(let remaining):
                let take = min(remaining, buffer.count - cursor)
                body.append(contentsOf: buffer[cursor..<(cursor + take)])
                cursor += take
                guard take == remaining else {
                    chunkState = .data(remaining: remaining - take)
                    return false
                }
                chunkState = .dataEnd
            case .dataEnd:
                guard buffer.count - cursor >= 2 else { return false }
                guard buffer[cursor] == ASCII.cr, buffer[cursor + 1] == ASCII.lf else { throw .invalidResponse("chunk not followed by CRLF") }
                cursor += 2
                chunkState = .size
            case .trailers:
                guard let end = lineEnd() else {
                    if buffer.count - cursor > maximumHeadSize { throw .responseTooLarge(limit: maximumHeadSize) }
                    return false
                }
                let isLast = end == cursor
                cursor = end + 2
                if isLast {
                    chunkState = .size
                    return true
                }
            }
        }
    }

    /// The index of the next CRLF from the cursor.
    private func lineEnd() -> Int? {
        var index = cursor
        while index + 1 < buffer.count {
            if buffer[index] == ASCII.cr, buffer[index + 1] == ASCII.lf { return index }
            index += 1
        }
        return nil
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
