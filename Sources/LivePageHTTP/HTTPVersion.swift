/// The HTTP version of a request: the engine speaks HTTP/1.0 and HTTP/1.1.
///
/// Any other version on a well-formed request line is answered `505 HTTP Version Not Supported`.
public struct HTTPVersion: Hashable, Sendable, CustomStringConvertible {
    /// The major version digit: 1.
    public var major: Int
    /// The minor version digit: 0 or 1.
    public var minor: Int

    /// Creates a version from its two digits.
    /// - Parameters:
    ///   - major: The major version, for example `1`.
    ///   - minor: The minor version, for example `1`.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// HTTP/1.0: connections close after each response unless the request asks for
    /// `Connection: keep-alive`.
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    /// HTTP/1.1: connections stay open unless either side sends `Connection: close`.
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    /// The version as written on the wire, for example `HTTP/1.1`.
    public var description: String { "HTTP/\(major).\(minor)" }
}
