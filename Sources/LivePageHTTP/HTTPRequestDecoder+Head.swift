extension HTTPRequestDecoder {
    /// Scans for the end of the head from where the last scan stopped, then parses it.
    mutating func decodeHead(_ input: UnsafeRawBufferPointer, scan: inout HeadScan) -> Step {
        // A complete head of at most maxHeaderSize bytes ends at an index below this one.
        let end = min(input.count, limits.maxHeaderSize)
        var index = scan.scanned
        while index < end {
            let byte = input[index]
            // Most bytes are none of LF, CR or NUL: one comparison lets them pass.
            if byte > ASCII.cr {
                index += 1
                continue
            }
            if byte == ASCII.lf {
                guard index > scan.lineStart, input[index - 1] == ASCII.cr else {
                    return (
                        consumed: 0,
                        event: .error(fail(.badRequest("A line ends in a bare LF; lines must end in CRLF.")))
                    )
                }
                let lineEnd = index - 1
                if scan.requestLineEnd == nil {
                    if lineEnd == scan.lineStart {
                        scan.requestLineStart = index + 1  // an empty line before the request line is ignored
                    } else {
                        scan.requestLineEnd = lineEnd
                        // An HTTP/0.9 request line (`GET /`, no version) never gets headers:
                        // refuse it now rather than when the header timeout runs out.
                        guard Self.endsWithVersion(Self.slice(input, scan.requestLineStart..<lineEnd)) else {
                            return (
                                consumed: 0,
                                event: .error(fail(.badRequest("The request line has no HTTP version; HTTP/0.9 is not supported.")))
                            )
                        }
                    }
                } else if lineEnd == scan.lineStart {
                    return parseHead(input, scan: scan, headEnd: index + 1)
                }
                scan.lineStart = index + 1
            } else if byte == ASCII.cr {
                // A CR must be followed by LF; until the next byte has arrived, the scan
                // stops at the CR and checks it again with more input.
                guard index + 1 < input.count else { break }
                if input[index + 1] != ASCII.lf {
                    return (
                        consumed: 0, event: .error(fail(.badRequest("A line holds a bare CR; CR may only end a line.")))
                    )
                }
            } else if byte == 0 {
                return (consumed: 0, event: .error(fail(.badRequest("The request head holds a NUL byte."))))
            }
            index += 1
        }
        scan.scanned = index
        guard index >= limits.maxHeaderSize else { return (consumed: 0, event: .needMoreData) }
        // Over the limit without a complete head: the target alone may be the reason.
        let requestLine = Self.slice(input, scan.requestLineStart..<(scan.requestLineEnd ?? index))
        if let space = requestLine.firstIndex(of: ASCII.space) {
            let targetEnd = requestLine[(space + 1)...].firstIndex(of: ASCII.space) ?? requestLine.count
            if targetEnd - space - 1 > limits.maxTargetSize {
                return (consumed: 0, event: .error(fail(Self.targetTooLong(limits.maxTargetSize))))
            }
        }
        return (consumed: 0, event: .error(fail(Self.headTooLarge(limits.maxHeaderSize))))
    }

    /// Whether `requestLine` ends with ` HTTP/` and something: the shape of every version
    /// since 1.0. The version itself is checked with the rest of the line.
    static func endsWithVersion(_ requestLine: UnsafeRawBufferPointer) -> Bool {
        guard let space = requestLine.lastIndex(of: ASCII.space) else { return false }
        let version = UnsafeRawBufferPointer(rebasing: requestLine[(space + 1)...])
        return version.count > 5 && ASCII.hasPrefix(version, "HTTP/")
    }

    static func targetTooLong(_ limit: Int) -> HTTPDecodingError {
        HTTPDecodingError(.uriTooLong, "The request target is longer than the \(limit) bytes this server accepts.")
    }

    static func headTooLarge(_ limit: Int) -> HTTPDecodingError {
        HTTPDecodingError(
            .requestHeaderFieldsTooLarge,
            "The request line and headers are larger than the \(limit) bytes this server accepts."
        )
    }

    /// Parses a complete head whose last CRLF ends just before `headEnd`.
    private mutating func parseHead(_ input: UnsafeRawBufferPointer, scan: HeadScan, headEnd: Int) -> Step {
        guard let requestLineEnd = scan.requestLineEnd else {
            return (consumed: 0, event: .error(fail(.badRequest("The request has no request line."))))
        }
        do throws(HTTPDecodingError) {
            var builder = try HTTPHeadBuilder(
                requestLine: Self.slice(input, scan.requestLineStart..<requestLineEnd),
                limits: limits
            )
            var lineStart = requestLineEnd + 2
            while lineStart < headEnd - 2 {
                var lineEnd = lineStart
                while input[lineEnd] != ASCII.cr { lineEnd += 1 }
                try builder.addField(Self.slice(input, lineStart..<lineEnd), limits: limits)
                lineStart = lineEnd + 2
            }
            let head = try builder.finish()
            state = .awaitingBodyDecision(head.framing)
            return (consumed: headEnd, event: .head(head))
        } catch {
            return (consumed: 0, event: .error(fail(error)))
        }
    }
}
