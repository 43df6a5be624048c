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

    /// The methods the engine implements; any other token is answered `501`.
    static let implemented: [HTTPMethod] = [.get, .head, .post, .put, .delete, .options, .patch]

    /// Returns the implemented method spelled by `bytes`, or `nil` when it is none of them.
    static func implemented(matching bytes: UnsafeRawBufferPointer) -> HTTPMethod? {
        for method in implemented where method.rawValue.utf8.elementsEqual(bytes) {
            return method
        }
        return nil
    }
}
