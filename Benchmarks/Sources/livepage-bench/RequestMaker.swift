import LivePageEvents

/// Writes the benchmark's requests in the protocol of the run: registration (LivePage),
/// long-poll, publish, and the idle scenario's GET. Each is the smallest request the
/// protocol accepts, the same for LivePage and Nchan where they can be.
struct RequestMaker {
    /// `host:port`, the value of every `Host` header.
    let hostPort: String
    private let wireProtocol: WireProtocol
    private let prefix: String
    private let location: String
    private let idlePath: String
    private let publishKey: String
    /// ` HTTP/1.1\r\nHost: ...\r\n\r\n`, the end of every GET.
    private let getEnd: [UInt8]
    private let publishHead: String
    /// Nchan: `GET {sub-path} HTTP/1.1\r\nHost: ...\r\n`, the start of every poll.
    private let nchanPollStart: [UInt8]

    init(options: BenchOptions, hostPort: String, publishKey: String) {
        self.hostPort = hostPort
        wireProtocol = options.wireProtocol
        prefix = options.prefix
        location = options.location
        idlePath = options.idleRequestPath
        self.publishKey = publishKey
        getEnd = Array(" HTTP/1.1\r\nHost: \(hostPort)\r\n\r\n".utf8)
        switch options.wireProtocol {
        case .livepage:
            publishHead =
                "POST \(options.prefix)/publish HTTP/1.1\r\nHost: \(hostPort)\r\n"
                + "Authorization: Bearer \(publishKey)\r\nContent-Type: application/json\r\nContent-Length: "
        case .nchan:
            publishHead =
                "POST \(options.publisherPath) HTTP/1.1\r\nHost: \(hostPort)\r\nContent-Type: text/plain\r\nContent-Length: "
        }
        nchanPollStart = Array("GET \(options.subscriberPath) HTTP/1.1\r\nHost: \(hostPort)\r\n".utf8)
    }

    /// `POST {prefix}/clients` with `{"location":"/bench","principal":"bench-<i>"}`.
    func writeRegistration(number: Int, into output: inout [UInt8]) {
        let body: JSONValue = ["location": .string(location), "principal": .string("bench-\(number)")]
        let bodyBytes = body.jsonBytes(htmlSafe: false)
        let head =
            "POST \(prefix)/clients HTTP/1.1\r\nHost: \(hostPort)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(bodyBytes.count)\r\n\r\n"
        output.append(contentsOf: head.utf8)
        output.append(contentsOf: bodyBytes)
    }

    /// The fixed start of a client's polls: `GET {prefix}/clients/{id}/output?after=`.
    func pollRequestStart(clientID: [UInt8]) -> [UInt8] {
        Array("GET \(prefix)/clients/".utf8) + clientID + Array("/output?after=".utf8)
    }

    /// The client's next long-poll. LivePage: `GET {prefix}/clients/{id}/output?after={seq}`.
    /// Nchan: `GET {sub-path}`, with `If-Modified-Since` and `If-None-Match` from its
    /// previous message's answer once it has one.
    @inline(__always)
    func writePoll(_ client: BenchConnection, into output: inout [UInt8]) {
        switch wireProtocol {
        case .livepage:
            output.append(contentsOf: client.pollRequestStart)
            Self.appendDecimal(client.after, to: &output)
            output.append(contentsOf: getEnd)
        case .nchan:
            output.append(contentsOf: nchanPollStart)
            if !client.lastModified.isEmpty {
                output.append(contentsOf: "If-Modified-Since: ".utf8)
                output.append(contentsOf: client.lastModified)
                output.append(contentsOf: "\r\nIf-None-Match: ".utf8)
                output.append(contentsOf: client.etag)
                output.append(contentsOf: "\r\n".utf8)
            }
            output.append(contentsOf: "\r\n".utf8)
        }
    }

    /// One message, stamped. LivePage: `POST {prefix}/publish` of one `append` to the
    /// location, the stamp in its html:
    /// `{"to":{"location":"/bench"},"events":[{"verb":"append","id":"log","html":"<i>t=NS</i>"}]}`.
    /// Nchan: `POST {pub-path}` with the text body `t=NS`.
    func writePublish(stamp: UInt64, into output: inout [UInt8]) {
        guard wireProtocol == .livepage else {
            let body = "t=\(stamp)"
            output.append(contentsOf: publishHead.utf8)
            Self.appendDecimal(UInt64(body.utf8.count), to: &output)
            output.append(contentsOf: "\r\n\r\n".utf8)
            output.append(contentsOf: body.utf8)
            return
        }
        let event = Append(id: "log", html: "<i>t=\(stamp)</i>")
        let body: JSONValue = ["to": ["location": .string(location)], "events": [.object(event.json)]]
        let bodyBytes = body.jsonBytes(htmlSafe: false)
        output.append(contentsOf: publishHead.utf8)
        Self.appendDecimal(UInt64(bodyBytes.count), to: &output)
        output.append(contentsOf: "\r\n\r\n".utf8)
        output.append(contentsOf: bodyBytes)
    }

    /// `GET {path}` (idle scenario).
    func writeIdleRequest(into output: inout [UInt8]) {
        output.append(contentsOf: "GET \(idlePath)".utf8)
        output.append(contentsOf: getEnd)
    }

    @inline(__always)
    private static func appendDecimal(_ value: UInt64, to output: inout [UInt8]) {
        var divisor: UInt64 = 1
        while value / divisor >= 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            output.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
