/// The engine's request path without sockets or threads, so that a handler can be run
/// in-process (`LivePageTesting`), as NIO's `EmbeddedChannel` runs a pipeline.
///
/// What the engine does around a handler is done here with the engine's own code: a body
/// over `HTTPHandler.maximumBodySize(for:)` (capped by the configuration's limit) is refused
/// `413` before the handler sees it, and every response is encoded as the engine writes it
/// (the configuration's default headers, `Content-Length`, `Date`, `Connection`, no body for
/// `HEAD`) and read back, so a test sees what a client would. Parsing, header limits and
/// timeouts belong to sockets and are not played here.
package struct InProcessEngine: Sendable {
    /// The code that answers requests.
    package let handler: any HTTPHandler
    /// The limits and default headers of the server being played.
    package let configuration: HTTPServerConfiguration

    /// An engine for `handler` with `configuration`'s body limit and default headers.
    package init(handler: any HTTPHandler, configuration: HTTPServerConfiguration) {
        self.handler = handler
        self.configuration = configuration
    }

    /// Hands `request` to the handler, on this thread, as the engine would once it has read
    /// it, and calls `onResponse` once with the response as sent, from whichever thread
    /// answers.
    /// - Parameters:
    ///   - request: The complete request.
    ///   - onResponse: Takes the response as a client would read it.
    /// - Returns: The request's responder: `cancel()` on it plays the client going away.
    package func dispatch(
        _ request: HTTPRequest,
        onResponse: @escaping @Sendable (HTTPResponse) -> Void
    ) -> HTTPResponder {
        let keepAlive = Self.keepsAlive(request.head)
        let isHead = request.method == .head
        let isHTTP10 = request.version == .http1_0
        let configuration = configuration
        let responder = HTTPResponder { response in
            let closing = !keepAlive || HTTPResponseEncoder.asksToClose(response)
            let context = HTTPResponseEncoder.Context(isHead: isHead, isHTTP10: isHTTP10, closing: closing)
            onResponse(Self.sent(response, context: context, configuration: configuration))
        }
        let limit = min(handler.maximumBodySize(for: request.head), configuration.limits.maxBodySize)
        if request.body.count > limit {
            // The decoder refuses such a body before the handler sees it, and closes.
            let refusal = HTTPRequestDecoder.bodyTooLarge(limit).response
            let context = HTTPResponseEncoder.Context(isHead: isHead, isHTTP10: isHTTP10, closing: true)
            onResponse(Self.sent(refusal, context: context, configuration: configuration))
            return responder
        }
        handler.handle(request, responder: responder)
        return responder
    }

    /// Whether the connection would stay open after the response, as the decoder decides it.
    static func keepsAlive(_ head: HTTPRequestHead) -> Bool {
        let wantsClose = head.headers.containsToken("close", inFieldsNamed: "Connection")
        let wantsKeepAlive = head.headers.containsToken("keep-alive", inFieldsNamed: "Connection")
        return head.version == .http1_1 ? !wantsClose : (wantsKeepAlive && !wantsClose)
    }

    /// `response` encoded as the engine writes it, then read back.
    static func sent(
        _ response: HTTPResponse,
        context: HTTPResponseEncoder.Context,
        configuration: HTTPServerConfiguration
    ) -> HTTPResponse {
        var dates = HTTPDateCache()
        let encoder = HTTPResponseEncoder(defaultHeaders: configuration.defaultHeaders, log: configuration.log)
        return read(encoder.encode(response, context: context, date: dates.headerLine()))
    }

    /// The response in `bytes`, which the engine's encoder wrote: a status line, fields, an
    /// empty line and the body.
    static func read(_ bytes: [UInt8]) -> HTTPResponse {
        let end = bytes.firstRange(of: Array("\r\n\r\n".utf8))?.lowerBound ?? bytes.count
        let lines = bytes[..<end].split(separator: UInt8(ascii: "\n")).map {
            String(decoding: $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0, as: UTF8.self)
        }
        let statusLine = lines.first?.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false) ?? []
        let code = statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
        let phrase = statusLine.count > 2 ? String(statusLine[2]) : ""
        let fields = lines.dropFirst().map { line -> (String, String) in
            let colon = line.firstIndex(of: ":") ?? line.endIndex
            let value = line[colon...].dropFirst().drop { $0 == " " }
            return (String(line[..<colon]), String(value))
        }
        let body = end + 4 <= bytes.count ? Array(bytes[(end + 4)...]) : []
        return HTTPResponse(
            status: HTTPStatus(code: code, reasonPhrase: phrase), headers: HTTPHeaders(fields), body: body)
    }
}
