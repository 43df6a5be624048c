#if canImport(Glibc)
    import Glibc
#endif

/// One GET on a blocking connection of its own, with 3 s send and receive timeouts:
/// the health preflight and the metrics probe, between the measured phases.
enum BlockingHTTP {
    /// Fetches `path` from `address`.
    /// - Returns: The status and body, or nil if the server could not be reached or
    ///   answered something that is not HTTP (errno says why).
    static func get(_ path: String, from address: sockaddr_in, host: String) -> (status: Int, body: [UInt8])? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var target = address
        let connected = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { return nil }
        let buffer = ByteBuffer(capacity: 16384)
        let parser = HTTPResponseParser()
        while true {
            buffer.reserve(extra: 8192)
            let count = recv(fd, buffer.freeSpace.baseAddress, buffer.freeSpace.count, 0)
            if count < 0, System.errno == EINTR { continue }
            let atEnd = count <= 0
            if count > 0 { buffer.count += count }
            switch parser.parse(buffer.bytes, atEnd: atEnd) {
            case .complete(let response):
                switch response.body {
                case .inline(let range): return (response.status, Array(buffer.bytes[range]))
                case .decoded: return (response.status, Array(parser.decoded.bytes))
                }
            case .malformed:
                Glibc.errno = EPROTO
                return nil
            case .incomplete:
                if atEnd {
                    if count == 0 { Glibc.errno = EPROTO }
                    return nil
                }
            }
        }
    }

    /// The value after `name` at the start of a line of `text`, if present: a Prometheus
    /// metric without labels (`livepage_parked_requests 10000`), or a line of Nchan's
    /// stub status (`subscribers: 10000`).
    static func metric(_ name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let rest = line.dropFirst(name.count)
            guard rest.first == " " else { continue }
            return Double(rest.dropFirst().split(separator: " ").first ?? "")
        }
        return nil
    }
}
