/// Parses a complete request line and its header fields into a `DecodedHead`, enforcing the
/// syntax of RFC 9112 and the framing rules that keep request smuggling out.
struct HTTPHeadBuilder {
    private var method: HTTPMethod
    private var target: RequestTarget
    private var version: HTTPVersion
    private var headers = HTTPHeaders()
    private var hostCount = 0
    private var contentLength: Int?
    private var transferCodings: [String] = []
    private var hasTransferEncoding = false
    private var wantsClose = false
    private var wantsKeepAlive = false
    private var expectsContinue = false

    /// Parses `method SP request-target SP HTTP-version` (the line without its CRLF).
    init(requestLine line: UnsafeRawBufferPointer, limits: HTTPLimits) throws(HTTPDecodingError) {
        // Parsed before any property is set: an initializer that threw between setting
        // them built the builder aside and copied it into place, about ten reference
        // counts a request.
        let (method, target, version) = try Self.parseRequestLine(line, limits: limits)
        self.init(method: method, target: target, version: version)
    }

    /// A builder for a parsed request line, with no header field yet.
    private init(method: HTTPMethod, target: RequestTarget, version: HTTPVersion) {
        self.method = method
        self.target = target
        self.version = version
    }

    /// The method, target and version of a request line.
    private static func parseRequestLine(_ line: UnsafeRawBufferPointer, limits: HTTPLimits) throws(HTTPDecodingError)
        -> (HTTPMethod, RequestTarget, HTTPVersion)
    {
        guard let firstSpace = line.firstIndex(of: ASCII.space),
            let lastSpace = line.lastIndex(of: ASCII.space), lastSpace > firstSpace + 1
        else {
            throw .badRequest("The request line must be a method, a target and a version separated by single spaces.")
        }
        let methodBytes = HTTPRequestDecoder.slice(line, 0..<firstSpace)
        let targetBytes = HTTPRequestDecoder.slice(line, (firstSpace + 1)..<lastSpace)
        let versionBytes = HTTPRequestDecoder.slice(line, (lastSpace + 1)..<line.count)
        guard targetBytes.count <= limits.maxTargetSize else {
            throw HTTPRequestDecoder.targetTooLong(limits.maxTargetSize)
        }
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(ASCII.isTokenCharacter) else {
            throw .badRequest("The request method is not a valid token.")
        }
        // One pass over the target, which no space passes; which refusal it is, only when refusing.
        guard targetBytes.allSatisfy(ASCII.isTargetCharacter) else {
            if targetBytes.contains(ASCII.space) {
                throw .badRequest("The request line must be a method, a target and a version separated by single spaces.")
            }
            throw .badRequest("The request target holds a space, a control character or a non-ASCII byte.")
        }
        let version = try Self.parseVersion(versionBytes)
        guard let known = HTTPMethod.implemented(matching: methodBytes) else {
            throw HTTPDecodingError(
                .notImplemented,
                "The method \(String(decoding: methodBytes, as: UTF8.self)) is not implemented by this server."
            )
        }
        try Self.checkTargetForm(targetBytes, method: known)
        return (known, RequestTarget(bytes: targetBytes.assumingMemoryBound(to: UInt8.self)), version)
    }

    private static func parseVersion(_ bytes: UnsafeRawBufferPointer) throws(HTTPDecodingError) -> HTTPVersion {
        guard bytes.count == 8, ASCII.hasPrefix(bytes, "HTTP/"), ASCII.isDigit(bytes[5]),
            bytes[6] == UInt8(ascii: "."), ASCII.isDigit(bytes[7])
        else {
            throw .badRequest("The HTTP version must be written as HTTP/1.1.")
        }
        let version = HTTPVersion(major: Int(bytes[5] - 0x30), minor: Int(bytes[7] - 0x30))
        guard version == .http1_1 || version == .http1_0 else {
            throw HTTPDecodingError(.httpVersionNotSupported, "\(version) is not supported; use HTTP/1.1 or HTTP/1.0.")
        }
        return version
    }

    /// Accepts origin-form (`/path`), absolute-form (`http://host/path`) and, for `OPTIONS`
    /// only, asterisk-form (`*`).
    private static func checkTargetForm(_ bytes: UnsafeRawBufferPointer, method: HTTPMethod) throws(HTTPDecodingError) {
        if bytes[0] == UInt8(ascii: "/") { return }
        if bytes.count == 1, bytes[0] == UInt8(ascii: "*") {
            guard method == .options else { throw .badRequest("The target * is only allowed with OPTIONS.") }
            return
        }
        let lowered = bytes.prefix(8).map(ASCII.lowercased)
        if lowered.starts(with: "http://".utf8) || lowered.starts(with: "https://".utf8) { return }
        throw .badRequest("The request target must be a path starting with /, or an absolute http URL.")
    }

    /// Parses one header line (without its CRLF) and records what framing needs.
    mutating func addField(_ line: UnsafeRawBufferPointer, limits: HTTPLimits) throws(HTTPDecodingError) {
        guard !ASCII.isWhitespace(line[0]) else {
            throw .badRequest("A header line starts with whitespace; line folding (obs-fold) is not allowed.")
        }
        guard let colon = line.firstIndex(of: ASCII.colon) else {
            throw .badRequest("A header line has no colon.")
        }
        guard colon > 0 else { throw .badRequest("A header line has an empty field name.") }
        let name = HTTPRequestDecoder.slice(line, 0..<colon)
        for byte in name where !ASCII.isTokenCharacter(byte) {
            if ASCII.isWhitespace(byte) {
                throw .badRequest("A header field name is followed by whitespace before its colon.")
            }
            throw .badRequest("A header field name holds a character that is not allowed in a token.")
        }
        let value = ASCII.trimmingWhitespace(HTTPRequestDecoder.slice(line, (colon + 1)..<line.count))
        guard value.allSatisfy(ASCII.isFieldValueCharacter) else {
            throw .badRequest("A header field value holds a control character.")
        }
        guard headers.count < limits.maxHeaderCount else {
            throw HTTPDecodingError(
                .requestHeaderFieldsTooLarge,
                "The request has more than the \(limits.maxHeaderCount) header fields this server accepts."
            )
        }
        let valueBytes = UnsafeRawBufferPointer(rebasing: value)
        try interpret(name: name, value: valueBytes)
        headers.add(name: String(decoding: name, as: UTF8.self), value: String(decoding: valueBytes, as: UTF8.self))
    }

    /// Records the fields that decide framing and connection handling.
    private mutating func interpret(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
        throws(HTTPDecodingError)
    {
        switch name.count {
        case 4 where Self.equals(name, "host"):
            hostCount += 1
            guard
                !value.contains(where: {
                    ASCII.isWhitespace($0) || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "@")
                        || $0 == UInt8(ascii: ",")
                })
            else {
                throw .badRequest("The Host header is not a valid host and port.")
            }
        case 14 where Self.equals(name, "content-length"):
            for element in value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                let digits = ASCII.trimmingWhitespace(element)
                guard !digits.isEmpty, digits.allSatisfy(ASCII.isDigit) else {
                    throw .badRequest("The Content-Length header is not a number.")
                }
                var length = 0
                for digit in digits {
                    let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = times10.addingReportingOverflow(Int(digit - 0x30))
                    length = overflow1 || overflow2 ? .max : sum
                }
                if let contentLength, contentLength != length {
                    throw .badRequest("The request has differing Content-Length values.")
                }
                contentLength = length
            }
        case 17 where Self.equals(name, "transfer-encoding"):
            hasTransferEncoding = true
            for element in value.split(separator: UInt8(ascii: ",")) {
                let coding = ASCII.trimmingWhitespace(element)
                if !coding.isEmpty {
                    transferCodings.append(String(decoding: coding.map(ASCII.lowercased), as: UTF8.self))
                }
            }
        case 10 where Self.equals(name, "connection"):
            for element in value.split(separator: UInt8(ascii: ",")) {
                let option = UnsafeRawBufferPointer(rebasing: ASCII.trimmingWhitespace(element))
                if Self.equals(option, "close") { wantsClose = true }
                if Self.equals(option, "keep-alive") { wantsKeepAlive = true }
            }
        case 6 where Self.equals(name, "expect"):
            expectsContinue = Self.equals(value, "100-continue")
        default:
            break
        }
    }

    /// Checks the rules that need every field, and returns the head, moving the fields out
    /// of the builder (copied, they were retained here and released with the builder).
    mutating func finish() throws(HTTPDecodingError) -> DecodedHead {
        if hostCount > 1 { throw .badRequest("The request has more than one Host header.") }
        if hostCount == 0 && version == .http1_1 { throw .badRequest("An HTTP/1.1 request must have a Host header.") }
        var framing = DecodedHead.Framing.none
        if hasTransferEncoding {
            guard contentLength == nil else {
                throw .badRequest("The request has both Content-Length and Transfer-Encoding.")
            }
            guard version == .http1_1 else {
                throw .badRequest("Transfer-Encoding is not allowed in an HTTP/1.0 request.")
            }
            if let unknown = transferCodings.first(where: { $0 != "chunked" }) {
                throw HTTPDecodingError(
                    .notImplemented, "The transfer coding \(unknown) is not implemented by this server.")
            }
            guard transferCodings.count == 1 else {
                throw .badRequest("Transfer-Encoding must be chunked, applied once.")
            }
            framing = .chunked
        } else if let contentLength, contentLength > 0 {
            framing = .length(contentLength)
        }
        let keepAlive = version == .http1_1 ? !wantsClose : (wantsKeepAlive && !wantsClose)
        var fields = HTTPHeaders()
        swap(&fields, &headers)
        return DecodedHead(
            head: HTTPRequestHead(method: method, target: target, version: version, headers: fields),
            framing: framing,
            keepAlive: keepAlive,
            expectsContinue: expectsContinue && version == .http1_1
        )
    }

    /// Whether `bytes` equal the lowercase ASCII `literal`, ignoring case.
    static func equals(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for index in 0..<bytes.count where ASCII.lowercased(bytes[index]) != expected[index] {
            return false
        }
        return true
    }
}
