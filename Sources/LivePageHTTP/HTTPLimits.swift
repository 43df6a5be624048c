/// The sizes past which the engine refuses a request, each with the status it answers.
///
/// Every limit is enforced while the bytes arrive, so no request can make the engine buffer
/// more than these amounts per connection. Defaults follow LivePage's PROTOCOL.md.
public struct HTTPLimits: Sendable, Equatable {
    /// The request line and header fields together, in bytes, CRLFs included. Over it:
    /// `431 Request Header Fields Too Large`. Default 16 KiB (16,384).
    public var maxHeaderSize: Int
    /// The request-target alone, in bytes. Over it: `414 URI Too Long`. Default 8 KiB (8,192).
    public var maxTargetSize: Int
    /// The number of header fields. Over it: `431`. Default 100.
    public var maxHeaderCount: Int
    /// The body after de-chunking, in bytes; a handler may lower it per request with
    /// `HTTPHandler.maximumBodySize(for:)`. Over it: `413 Content Too Large`, answered at once
    /// from `Content-Length` without reading the body. Default 1 MiB (1,048,576).
    public var maxBodySize: Int

    /// Creates limits; every parameter has the default documented on its property.
    /// - Parameters:
    ///   - maxHeaderSize: Request line plus headers, in bytes (16 KiB).
    ///   - maxTargetSize: The request-target, in bytes (8 KiB).
    ///   - maxHeaderCount: Header fields (100).
    ///   - maxBodySize: The body, in bytes (1 MiB).
    public init(
        maxHeaderSize: Int = 16 * 1024,
        maxTargetSize: Int = 8 * 1024,
        maxHeaderCount: Int = 100,
        maxBodySize: Int = 1024 * 1024
    ) {
        self.maxHeaderSize = maxHeaderSize
        self.maxTargetSize = maxTargetSize
        self.maxHeaderCount = maxHeaderCount
        self.maxBodySize = maxBodySize
    }

    /// The longest chunk-size line (size, extensions and CRLF) of a chunked body, in bytes.
    static let maxChunkLineSize = 4096
}
