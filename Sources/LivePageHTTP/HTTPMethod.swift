/// An HTTP request method, such as `GET` or `POST`.
///
/// Methods are case-sensitive tokens (RFC 9110 §9.1). The engine accepts the seven methods
/// named below and answers any other well-formed method `501 Not Implemented`, so a handler
/// only ever sees one of these.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The method token as it appears on the request line, for example `"GET"`.
    public var rawValue: String

    /// Creates a method from its token. The token is not validated here.
    /// - Parameter rawValue: The method token, for example `"GET"`.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// `GET`: retrieve a representation.
    public static let get = HTTPMethod(rawValue: "GET")
    /// `HEAD`: like `GET`, but the response carries no body.
    public static let head = HTTPMethod(rawValue: "HEAD")
    /// `POST`: process the enclosed body.
    public static let post = HTTPMethod(rawValue: "POST")
    /// `PUT`: replace the target's state with the enclosed body.
    public static let put = HTTPMethod(rawValue: "PUT")
    /// `DELETE`: remove the target.
    public static let delete = HTTPMethod(rawValue: "DELETE")
    /// `OPTIONS`: describe the communication options, as in a CORS preflight.
    public static let options = HTTPMethod(rawValue: "OPTIONS")
    /// `PATCH`: apply a partial modification.
    public static let patch = HTTPMethod(rawValue: "PATCH")

    /// The method token.
    public var description: String { rawValue }

    /// Whether two methods are the same token. Tokens of different lengths differ at once:
    /// `String`'s `==` went out of line for every `GET` compared with `HEAD` or `OPTIONS`,
    /// a few times a request. Tokens are ASCII, so equal tokens have equal lengths.
    public static func == (lhs: HTTPMethod, rhs: HTTPMethod) -> Bool {
        lhs.rawValue.utf8.count == rhs.rawValue.utf8.count && lhs.rawValue == rhs.rawValue
    }

    /// The methods the engine implements; any other token is answered `501`.
    static let implemented: [HTTPMethod] = [.get, .head, .post, .put, .delete, .options, .patch]

    /// Returns the implemented method spelled by `bytes`, or `nil` when it is none of them.
    ///
    /// Every request comes through here, so the spellings are compared as literals, picked
    /// by length: comparing with each `rawValue.utf8` walked a `String` a byte at a time.
    /// A test holds this to ``implemented``.
    static func implemented(matching bytes: UnsafeRawBufferPointer) -> HTTPMethod? {
        switch bytes.count {
        case 3:
            if ASCII.hasPrefix(bytes, "GET") { return .get }
            if ASCII.hasPrefix(bytes, "PUT") { return .put }
        case 4:
            if ASCII.hasPrefix(bytes, "POST") { return .post }
            if ASCII.hasPrefix(bytes, "HEAD") { return .head }
        case 5:
            if ASCII.hasPrefix(bytes, "PATCH") { return .patch }
        case 6:
            if ASCII.hasPrefix(bytes, "DELETE") { return .delete }
        case 7:
            if ASCII.hasPrefix(bytes, "OPTIONS") { return .options }
        default:
            break
        }
        return nil
    }
}
