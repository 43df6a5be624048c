import LivePageSystem

#if canImport(Glibc)
    import Glibc
#endif

/// One address of Redis, as `getaddrinfo` gives it: the family and protocol to open a
/// socket with, and the socket address to connect it to.
struct RedisAddress: Sendable {
    /// `AF_INET` or `AF_INET6`.
    let family: Int32
    /// The protocol for `socket`.
    let socketProtocol: Int32
    /// The `sockaddr` bytes.
    private let bytes: [UInt8]

    /// The addresses of `host`:`port`, in `getaddrinfo`'s order.
    ///
    /// With `numericOnly` only an IP literal is resolved (`AI_NUMERICHOST`): that reads no
    /// file and asks no server, so it may run on an event loop. A name then returns `nil`,
    /// and is resolved again without `numericOnly` off the loop, since looking a name up
    /// may block for as long as the resolver's timeouts.
    /// - Throws: `RedisError.cannotResolve(host:port:)` with the resolver's message.
    static func resolve(host: String, port: Int, numericOnly: Bool) throws(RedisError) -> [RedisAddress]? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | (numericOnly ? AI_NUMERICHOST : 0)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        if numericOnly, status == EAI_NONAME { return nil }
        guard status == 0, let list else {
            let detail = status == EAI_SYSTEM ? SystemCallError.describe(errno) : String(cString: gai_strerror(status))
            throw RedisError.cannotResolve(host: host, port: port).with(detail: detail)
        }
        defer { freeaddrinfo(list) }
        var addresses: [RedisAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let info = entry?.pointee {
            entry = info.ai_next
            guard let address = info.ai_addr else { continue }
            let bytes = Array(UnsafeRawBufferPointer(start: address, count: Int(info.ai_addrlen)))
            addresses.append(RedisAddress(family: info.ai_family, socketProtocol: info.ai_protocol, bytes: bytes))
        }
        return addresses
    }

    /// Calls `body` with the socket address and its length.
    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        bytes.withUnsafeBytes { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
    }
}
