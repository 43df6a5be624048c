extension HTTPRequestDecoder {
    /// Decodes body bytes until the body ends, the input runs out, or an error.
    mutating func decodeBody(_ input: UnsafeRawBufferPointer) -> Step {
        var offset = 0
        while true {
            let available = input.count - offset
            switch state {
            case .fixedBody(let remaining):
                let take = min(remaining, available)
                if let error = appendBody(Self.slice(input, offset..<(offset + take))) {
                    return (consumed: offset, event: .error(error))
                }
                offset += take
                guard take == remaining else {
                    state = .fixedBody(remaining: remaining - take)
                    return (consumed: offset, event: .needMoreData)
                }
                return completeBody(consumed: offset)

            case .chunkLine(let scanned):
                switch Self.findLine(in: Self.slice(input, offset..<input.count), from: scanned) {
                case .incomplete(let scanned):
                    guard scanned < HTTPLimits.maxChunkLineSize else {
                        return (
                            consumed: offset, event: .error(fail(.badRequest("A chunk-size line is too long.")))
                        )
                    }
                    state = .chunkLine(scanned: scanned)
                    return (consumed: offset, event: .needMoreData)
                case .invalid(let error):
                    return (consumed: offset, event: .error(fail(error)))
                case .line(let length):
                    guard length + 2 <= HTTPLimits.maxChunkLineSize else {
                        return (
                            consumed: offset, event: .error(fail(.badRequest("A chunk-size line is too long.")))
                        )
                    }
                    let size: Int
                    do throws(HTTPDecodingError) {
                        size = try Self.parseChunkLine(Self.slice(input, offset..<(offset + length)))
                    } catch {
                        return (consumed: offset, event: .error(fail(error)))
                    }
                    offset += length + 2
                    if size == 0 {
                        state = .trailer(scanned: 0, size: 0)
                    } else if size > bodyLimit - body.count {
                        return (consumed: offset, event: .error(fail(Self.bodyTooLarge(bodyLimit))))
                    } else {
                        state = .chunkData(remaining: size)
                    }
                }

            case .chunkData(let remaining):
                let take = min(remaining, available)
                if let error = appendBody(Self.slice(input, offset..<(offset + take))) {
                    return (consumed: offset, event: .error(error))
                }
                offset += take
                guard take == remaining else {
                    state = .chunkData(remaining: remaining - take)
                    return (consumed: offset, event: .needMoreData)
                }
                state = .chunkDataEnd

            case .chunkDataEnd:
                if available >= 1, input[offset] != ASCII.cr || (available >= 2 && input[offset + 1] != ASCII.lf) {
                    return (
                        consumed: offset, event: .error(fail(.badRequest("Chunk data is not followed by CRLF.")))
                    )
                }
                guard available >= 2 else { return (consumed: offset, event: .needMoreData) }
                offset += 2
                state = .chunkLine(scanned: 0)

            case .trailer(let scanned, let size):
                switch Self.findLine(in: Self.slice(input, offset..<input.count), from: scanned) {
                case .incomplete(let scanned):
                    guard size + scanned <= limits.maxHeaderSize else {
                        return (consumed: offset, event: .error(fail(Self.headTooLarge(limits.maxHeaderSize))))
                    }
                    state = .trailer(scanned: scanned, size: size)
                    return (consumed: offset, event: .needMoreData)
                case .invalid(let error):
                    return (consumed: offset, event: .error(fail(error)))
                case .line(0):
                    return completeBody(consumed: offset + 2)
                case .line(let length):
                    if let error = Self.validateTrailer(Self.slice(input, offset..<(offset + length))) {
                        return (consumed: offset, event: .error(fail(error)))
                    }
                    guard size + length + 2 <= limits.maxHeaderSize else {
                        return (consumed: offset, event: .error(fail(Self.headTooLarge(limits.maxHeaderSize))))
                    }
                    offset += length + 2
                    state = .trailer(scanned: 0, size: size + length + 2)
                }

            case .head, .awaitingBodyDecision, .failed:
                return (consumed: offset, event: .needMoreData)
            }
        }
    }

    /// The result of looking for a CRLF-terminated line.
    enum LineSearch {
        /// No line end yet; `scanned` bytes are valid so far.
        case incomplete(scanned: Int)
        /// A line of `length` bytes, followed by CRLF.
        case line(length: Int)
        /// A bare CR, bare LF or NUL.
        case invalid(HTTPDecodingError)
    }

    /// Looks for the CRLF ending the line that starts `input`, resuming at `scanned`.
    static func findLine(in input: UnsafeRawBufferPointer, from scanned: Int) -> LineSearch {
        var index = scanned
        while index < input.count {
            let byte = input[index]
            if byte == ASCII.lf {
                guard index > 0, input[index - 1] == ASCII.cr else {
                    return .invalid(.badRequest("A line in the chunked body ends in a bare LF."))
                }
                return .line(length: index - 1)
            }
            if index > 0, input[index - 1] == ASCII.cr {
                return .invalid(.badRequest("A line in the chunked body holds a bare CR."))
            }
            if byte == 0 { return .invalid(.badRequest("A line in the chunked body holds a NUL byte.")) }
            index += 1
        }
        return .incomplete(scanned: index)
    }

    /// Parses `chunk-size [ chunk-ext ]` (RFC 9112 §7.1) and returns the size.
    static func parseChunkLine(_ line: UnsafeRawBufferPointer) throws(HTTPDecodingError) -> Int {
        var index = 0
        var size = 0
        while index < line.count, let digit = ASCII.hexValue(line[index]) {
            guard size <= (Int.max - 15) / 16 else { throw .badRequest("A chunk size is too large.") }
            size = size * 16 + digit
            index += 1
        }
        guard index > 0 else { throw .badRequest("A chunk size is not a hexadecimal number.") }
        try validateChunkExtensions(slice(line, index..<line.count))
        return size
    }

    /// Validates `*( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )`, where ext-val is a token
    /// or a quoted-string.
    static func validateChunkExtensions(_ bytes: UnsafeRawBufferPointer) throws(HTTPDecodingError) {
        let invalid = HTTPDecodingError.badRequest("A chunk extension is malformed.")
        var index = 0
        func skipWhitespace() {
            while index < bytes.count, ASCII.isWhitespace(bytes[index]) { index += 1 }
        }
        func token() -> Bool {
            let start = index
            while index < bytes.count, ASCII.isTokenCharacter(bytes[index]) { index += 1 }
            return index > start
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { return }
            guard bytes[index] == UInt8(ascii: ";") else { throw invalid }
            index += 1
            skipWhitespace()
            guard token() else { throw invalid }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { continue }
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                index += 1
                var closed = false
                while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    if byte == UInt8(ascii: "\"") {
                        closed = true
                        break
                    }
                    if byte == UInt8(ascii: "\\") {
                        guard index < bytes.count, ASCII.isFieldValueCharacter(bytes[index]) else { throw invalid }
                        index += 1
                    } else if !ASCII.isFieldValueCharacter(byte) {
                        throw invalid
                    }
                }
                guard closed else { throw invalid }
            } else if !token() {
                throw invalid
            }
        }
    }

    /// Validates one trailer field line with the rules of header fields; its content is discarded.
    static func validateTrailer(_ line: UnsafeRawBufferPointer) -> HTTPDecodingError? {
        guard !ASCII.isWhitespace(line[0]) else { return .badRequest("A trailer line starts with whitespace.") }
        guard let colon = line.firstIndex(of: ASCII.colon), colon > 0,
            line[0..<colon].allSatisfy(ASCII.isTokenCharacter)
        else {
            return .badRequest("A trailer field is malformed.")
        }
        guard line[(colon + 1)...].allSatisfy(ASCII.isFieldValueCharacter) else {
            return .badRequest("A trailer field value holds a control character.")
        }
        return nil
    }
}
