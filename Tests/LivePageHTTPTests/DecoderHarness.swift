@testable import LivePageHTTP

/// Drives an `HTTPRequestDecoder` the way a connection does: keeps the unconsumed bytes,
/// decodes after every feed, decides body limits, and records what came out.
struct DecoderHarness {
    /// One decoded request.
    struct Request: Equatable {
        var head: DecodedHead
        var body: [UInt8]
    }

    /// What feeding produced, for comparisons.
    struct Outcome: Equatable {
        var requests: [Request]
        var errorStatus: Int?
        var pendingCount: Int
    }

    var decoder: HTTPRequestDecoder
    var bodyLimit: Int
    var pending: [UInt8] = []
    var requests: [Request] = []
    var error: HTTPDecodingError?
    private var head: DecodedHead?

    init(limits: HTTPLimits = HTTPLimits(), bodyLimit: Int = 1024 * 1024) {
        decoder = HTTPRequestDecoder(limits: limits)
        self.bodyLimit = bodyLimit
    }

    var outcome: Outcome {
        Outcome(requests: requests, errorStatus: error?.status.code, pendingCount: pending.count)
    }

    /// Feeds `bytes` and decodes all it can. Each step must consume bytes or end the round,
    /// so a decoder that loops without progress fails the test instead of hanging.
    mutating func feed(_ bytes: some Sequence<UInt8>) {
        pending.append(contentsOf: bytes)
        var stepsWithoutProgress = 0
        while error == nil {
            let step = pending.withUnsafeBytes { decoder.decode($0) }
            precondition(step.consumed >= 0 && step.consumed <= pending.count, "consumed out of range")
            pending.removeFirst(step.consumed)
            stepsWithoutProgress = step.consumed == 0 ? stepsWithoutProgress + 1 : 0
            precondition(stepsWithoutProgress < 4, "the decoder made no progress")
            switch step.event {
            case .needMoreData:
                return
            case .head(let decoded):
                head = decoded
                stepsWithoutProgress = 0
                switch decoder.beginBody(maximumSize: bodyLimit) {
                case .complete: requests.append(Request(head: decoded, body: []))
                case .readBody: break
                case .refused(let refusal): error = refusal
                }
            case .complete(let body):
                stepsWithoutProgress = 0
                requests.append(Request(head: head!, body: body))
            case .error(let failure):
                error = failure
            }
        }
    }

    /// Feeds `bytes` in pieces of the given sizes (the last piece takes the rest).
    mutating func feed(_ bytes: [UInt8], pieces: [Int]) {
        var start = 0
        for size in pieces where start < bytes.count {
            let end = min(bytes.count, start + size)
            feed(bytes[start..<end])
            start = end
        }
        if start < bytes.count { feed(bytes[start...]) }
    }

    /// Decodes `text` (with `\r\n` written out) in one piece.
    static func decode(_ text: String, limits: HTTPLimits = HTTPLimits(), bodyLimit: Int = 1024 * 1024)
        -> DecoderHarness
    {
        var harness = DecoderHarness(limits: limits, bodyLimit: bodyLimit)
        harness.feed(Array(text.utf8))
        return harness
    }
}
