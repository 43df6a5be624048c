import LivePageEvents

/// Writes the benchmark's requests, byte for byte those of `lpbench` (so both load a
/// server the same way): registration, long-poll, publish, and the idle scenario's GET.
struct RequestMaker {
    /// `host:port`, the value of every `Host` header.
    let hostPort: String
    private let prefix: String
    private let location: String
    private let idlePath: String
    private let publishKey: String
    /// ` HTTP/1.1\r\nHost: ...\r\n\r\n`, the end of every GET.
    private let getEnd: [UInt8]
    private let publishHead: String

    init(options: BenchOptions, hostPort: String, publishKey: String) {
        self.hostPort = hostPort
        prefix = options.prefix
        location = options.location
        idlePath = options.idleRequestPath
        self.publishKey = publishKey
        getEnd = Array(" HTTP/1.1\r\nHost: \(hostPort)\r\n\r\n".utf8)
        publishHead =
            "POST \(options.prefix)/publish HTTP/1.1\r\nHost: \(hostPort)\r\nAuthorization: Bearer \(publishKey)\r\n"
            + "Content-Type: application/json\r\nContent-Length: "
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

    /// `GET {prefix}/clients/{id}/output?after={seq}`.
    @inline(__always)
    func writePoll(_ client: BenchConnection, into output: inout [UInt8]) {
        output.append(contentsOf: client.pollRequestStart)
        Self.appendDecimal(client.after, to: &output)
        output.append(contentsOf: getEnd)
    }

    /// `POST {prefix}/publish` of one `append` to the location, with the stamp in its html:
    /// `{"to":{"location":"/bench"},"events":[{"verb":"append","id":"log","html":"<i>t=NS</i>"}]}`.
    func writePublish(stamp: UInt64, into output: inout [UInt8]) {
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
