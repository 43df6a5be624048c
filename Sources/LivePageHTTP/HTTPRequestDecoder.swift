/// An incremental, strict HTTP/1.1 request decoder (RFC 9112), fed byte buffers, knowing no
/// sockets.
///
/// The caller passes every byte it has not yet seen consumed, starting with the first
/// unconsumed one, and drops the `consumed` prefix of each `Step`. A head is parsed only once
/// it is complete, but the bytes are validated as they arrive (so bare CR or LF fails at
/// once) and the scan resumes where it stopped, so a request written a byte at a time costs
/// linear time. Every limit of `HTTPLimits` is enforced before more than that many bytes are
/// held.
///
/// After `.head`, the caller decides the body limit and calls `beginBody(maximumSize:)`; the
/// body then arrives through further `decode` calls, ending with `.complete`.
struct HTTPRequestDecoder {
    /// What one `decode` call produced.
    enum Event: Equatable {
        /// The bytes end inside a head or a body; call again with more.
        case needMoreData
        /// A complete, valid head; call `beginBody(maximumSize:)` next.
        case head(DecodedHead)
        /// The body is complete (de-chunked); the decoder is ready for the next request.
        case complete(body: [UInt8])
        /// The request is refused; answer the error and close. The decoder stays failed.
        case error(HTTPDecodingError)
    }

    /// One decoding step: how many input bytes were consumed, and what came of them. A
    /// tuple, not a struct: the connection takes it apart and moves the head out, where
    /// reading a struct's event copied the head and destroyed the step (16 reference
    /// counts a request).
    typealias Step = (consumed: Int, event: Event)

    /// What follows a head, once its body limit is known.
    enum BodyDecision: Equatable {
        /// The request has no body: it is complete.
        case complete
        /// Read the body with further `decode` calls.
        case readBody
        /// The declared body is over the limit: answer `413` and close.
        case refused(HTTPDecodingError)
    }

    /// Where a head scan stopped: offsets into the unconsumed input.
    struct HeadScan: Equatable {
        /// Bytes already validated.
        var scanned = 0
        /// Where the current line starts.
        var lineStart = 0
        /// Where the request line starts (after any empty lines before it).
        var requestLineStart = 0
        /// Where the request line's CR is, once it has arrived.
        var requestLineEnd: Int?
    }

    enum State: Equatable {
        case head(HeadScan)
        case awaitingBodyDecision(DecodedHead.Framing)
        case fixedBody(remaining: Int)
        case chunkLine(scanned: Int)
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailer(scanned: Int, size: Int)
        case failed(HTTPDecodingError)
    }

    let limits: HTTPLimits
    var state: State = .head(HeadScan())
    var body: [UInt8] = []
    var bodyLimit = 0

    /// Creates a decoder enforcing `limits`.
    init(limits: HTTPLimits) {
        self.limits = limits
    }

    /// Whether the decoder waits for a new request and has validated none of its bytes.
    var isAtRequestStart: Bool { state == .head(HeadScan()) }

    /// Decodes what it can of `input`, the bytes not yet consumed.
    mutating func decode(_ input: UnsafeRawBufferPointer) -> Step {
        switch state {
        case .head(var scan):
            let step = decodeHead(input, scan: &scan)
            if case .needMoreData = step.event { state = .head(scan) }
            return step
        case .awaitingBodyDecision:
            assertionFailure("decode(_:) called before beginBody(maximumSize:)")
            return (consumed: 0, event: .needMoreData)
        case .failed(let error):
            return (consumed: 0, event: .error(error))
        case .fixedBody, .chunkLine, .chunkData, .chunkDataEnd, .trailer:
            return decodeBody(input)
        }
    }

    /// Sets the body limit for the head just returned and says what follows.
    /// - Parameter maximumSize: The largest body to accept, in bytes.
    mutating func beginBody(maximumSize: Int) -> BodyDecision {
        guard case .awaitingBodyDecision(let framing) = state else {
            assertionFailure("beginBody(maximumSize:) called without a head")
            return .complete
        }
        bodyLimit = max(0, maximumSize)
        switch framing {
        case .none:
            state = .head(HeadScan())
            return .complete
        case .length(let length) where length > bodyLimit:
            return .refused(fail(Self.bodyTooLarge(bodyLimit)))
        case .length(let length):
            body.reserveCapacity(min(length, 64 * 1024))
            state = .fixedBody(remaining: length)
            return .readBody
        case .chunked:
            state = .chunkLine(scanned: 0)
            return .readBody
        }
    }

    /// Records `error` as final and returns it.
    mutating func fail(_ error: HTTPDecodingError) -> HTTPDecodingError {
        state = .failed(error)
        body = []
        return error
    }

    /// Ends the body: hands it over and waits for the next request.
    mutating func completeBody(consumed: Int) -> Step {
        state = .head(HeadScan())
        let complete = body
        body = []
        return (consumed: consumed, event: .complete(body: complete))
    }

    /// Appends body bytes, failing with `413` when the total would pass the limit.
    mutating func appendBody(_ bytes: UnsafeRawBufferPointer) -> HTTPDecodingError? {
        guard body.count + bytes.count <= bodyLimit else { return fail(Self.bodyTooLarge(bodyLimit)) }
        body.append(contentsOf: bytes)
        return nil
    }

    static func bodyTooLarge(_ limit: Int) -> HTTPDecodingError {
        HTTPDecodingError(.payloadTooLarge, "The request body is larger than the \(limit) bytes this server accepts.")
    }

    /// `input[range]` as a buffer of its own.
    @inline(__always)
    static func slice(_ input: UnsafeRawBufferPointer, _ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: input[range])
    }
}
