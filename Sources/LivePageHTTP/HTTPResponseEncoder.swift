/// Serializes responses into the bytes of an HTTP/1.1 message, adding the framing headers
/// the engine owns.
struct HTTPResponseEncoder {
    /// What the engine knows of the request the response answers.
    struct Context {
        /// The request was `HEAD`: send headers only.
        var isHead: Bool
        /// The request was HTTP/1.0.
        var isHTTP10: Bool
        /// The connection closes after this response.
        var closing: Bool
    }

    /// Fields added to every response that lacks them.
    let defaultHeaders: HTTPHeaders
    /// The valid default fields, encoded, for responses with prepared headers.
    private let preparedDefaults: [(lowercasedName: String, bytes: [UInt8])]
    /// Called with a message when a handler's field cannot be sent and is dropped.
    let log: @Sendable (String) -> Void
    /// The last prepared set encoded, with the default fields it lacks.
    private let lastPrepared = PreparedHeadersCache()

    /// `HTTP/1.1 <code> <standard phrase>\r\n` and the phrase for every code with a
    /// standard phrase, by code (empty for the others): an array, so that a response costs
    /// no hashing.
    private static let statusLines: [(line: [UInt8], phrase: String)] = (0..<600).map { code in
        let phrase = code < 100 ? "" : HTTPStatus(code: code).reasonPhrase
        return (phrase.isEmpty ? [] : Array("HTTP/1.1 \(code) \(phrase)\r\n".utf8), phrase)
    }

    init(defaultHeaders: HTTPHeaders, log: @escaping @Sendable (String) -> Void) {
        self.defaultHeaders = defaultHeaders
        self.log = log
        preparedDefaults = defaultHeaders.compactMap { name, value in
            guard let wire = HTTPHeaders([(name, value)]).prepared().wire else { return nil }
            return (wire.lowercasedNames.first ?? "", wire.bytes)
        }
    }

    /// Whether a response asks for the connection to close (`Connection: close`).
    static func asksToClose(_ response: HTTPResponse) -> Bool {
        // A prepared set never holds a Connection field.
        response.headers.wire == nil && response.headers.containsToken("close", inFieldsNamed: "Connection")
    }

    /// Encodes `response` for sending, into a new array.
    func encode(_ response: HTTPResponse, context: Context, date: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(response, context: context, date: date, appendingTo: &bytes)
        return bytes
    }

    /// Encodes `response` for sending at the end of `bytes`: the engine's path, which
    /// gathers a write group's responses in one buffer it keeps (``EventLoop``).
    func encode(_ response: HTTPResponse, context: Context, date: [UInt8], appendingTo bytes: inout [UInt8]) {
        let code = response.status.code
        let bodyAllowed = code >= 200 && code != 204 && code != 304
        let sendsBody = bodyAllowed && !context.isHead
        if bytes.isEmpty {
            // Not when appending: a reservation is exact, and would defeat the array's
            // geometric growth over a group of responses.
            bytes.reserveCapacity(160 + response.headers.count * 32 + (sendsBody ? response.body.count : 0))
        }
        if code == 200, response.status.reasonPhrase == "OK" {
            // Nearly every response: a literal, where the table's line and phrase were
            // retained and released at each of three reads.
            ASCII.append(literal: "HTTP/1.1 200 OK\r\n", to: &bytes)
        } else if Self.statusLines.indices.contains(code), !Self.statusLines[code].line.isEmpty,
            response.status.reasonPhrase == Self.statusLines[code].phrase
        {
            bytes.append(contentsOf: Self.statusLines[code].line)
        } else {
            ASCII.append("HTTP/1.1 ", to: &bytes)
            Self.appendDecimal(min(max(code, 100), 999), to: &bytes)
            bytes.append(ASCII.space)
            if ASCII.isFieldValue(response.status.reasonPhrase) {
                ASCII.append(response.status.reasonPhrase, to: &bytes)
            }
            ASCII.append("\r\n", to: &bytes)
        }

        var hasDate = false
        var declaredLength: String?
        if let wire = response.headers.wire {
            // Validated and encoded ahead (HTTPHeaders.prepared()), framing fields excluded.
            hasDate = lastPrepared.append(wire, adding: preparedDefaults, to: &bytes)
        } else {
            for (name, value) in response.headers {
                if HTTPHeaders.name(name, equals: "Content-Length") {
                    declaredLength = value
                    continue
                }
                if HTTPHeaders.name(name, equals: "Transfer-Encoding") || HTTPHeaders.name(name, equals: "Connection") {
                    continue
                }
                if HTTPHeaders.name(name, equals: "Date") { hasDate = true }
                appendField(name: name, value: value, to: &bytes)
            }
            for (name, value) in defaultHeaders where !response.headers.contains(name: name) {
                appendField(name: name, value: value, to: &bytes)
            }
        }
        if !hasDate { ASCII.append(bytesOf: date, to: &bytes) }
        if bodyAllowed {
            ASCII.append(literal: "Content-Length: ", to: &bytes)
            // A HEAD response may state the length of a body the handler did not produce.
            if context.isHead, response.body.isEmpty, let declaredLength, !declaredLength.isEmpty,
                declaredLength.utf8.allSatisfy(ASCII.isDigit)
            {
                ASCII.append(declaredLength, to: &bytes)
            } else {
                Self.appendDecimal(response.body.count, to: &bytes)
            }
            ASCII.append(literal: "\r\n", to: &bytes)
        }
        if context.closing {
            ASCII.append(literal: "Connection: close\r\n", to: &bytes)
        } else if context.isHTTP10 {
            ASCII.append(literal: "Connection: keep-alive\r\n", to: &bytes)
        }
        ASCII.append(literal: "\r\n", to: &bytes)
        if sendsBody { ASCII.append(bytesOf: response.body, to: &bytes) }
    }

    /// `HTTP/1.1 100 Continue` and the empty line.
    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    private func appendField(name: String, value: String, to bytes: inout [UInt8]) {
        guard ASCII.isToken(name), ASCII.isFieldValue(value) else {
            log("dropped a response header field that is not valid HTTP: \(name.debugDescription)")
            return
        }
        ASCII.append(name, to: &bytes)
        bytes.append(ASCII.colon)
        bytes.append(ASCII.space)
        ASCII.append(value, to: &bytes)
        bytes.append(ASCII.cr)
        bytes.append(ASCII.lf)
    }

    static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var remaining = max(0, value)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(remaining % 10) + 0x30
                remaining /= 10
                count += 1
            } while remaining > 0
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }
}
