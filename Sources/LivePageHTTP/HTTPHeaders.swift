/// An ordered list of header fields, as they arrived or as they will be sent.
///
/// Order and duplicates are kept: `Set-Cookie` may appear several times, and a request's
/// headers read back in the order the client sent them. Names compare case-insensitively
/// (ASCII), values exactly. There is deliberately no last-one-wins dictionary view.
///
/// ```swift
/// var headers: HTTPHeaders = ["Content-Type": "application/json"]
/// headers.add(name: "Set-Cookie", value: "a=1")
/// headers["content-type"]  // "application/json"
/// ```
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral, Equatable,
    CustomStringConvertible
{
    /// One header field: a name and a value.
    public struct Field: Sendable, Hashable {
        /// The field name, as sent, for example `"Content-Type"`.
        public var name: String
        /// The field value, without leading or trailing whitespace.
        public var value: String

        /// Creates a field.
        /// - Parameters:
        ///   - name: The field name, a token (RFC 9110 §5.1).
        ///   - value: The field value, without CR, LF or NUL.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    private var fields: FieldList {
        didSet { wire = nil }
    }

    /// The fields as the encoder writes them, when ``prepared()`` made it; dropped by any change.
    private(set) var wire: WireForm?

    /// Fields validated and encoded once, for headers sent with many responses.
    final class WireForm: Sendable {
        /// `Name: value\r\n` for each field, in order.
        let bytes: [UInt8]
        /// The fields' names, in ASCII lower case.
        let lowercasedNames: Set<String>

        init(bytes: [UInt8], lowercasedNames: Set<String>) {
            (self.bytes, self.lowercasedNames) = (bytes, lowercasedNames)
        }
    }

    /// Creates an empty list.
    public init() {
        fields = FieldList()
    }

    /// The same fields, validated and encoded for the wire once, so that every response
    /// sent with them copies their bytes instead of checking each field again: for
    /// headers a handler sends with every answer, kept in a `static let`. Any change to
    /// the copy drops the encoding. Fields the engine owns (`Content-Length`,
    /// `Transfer-Encoding`, `Connection`) or that are not valid HTTP are not encoded
    /// ahead; such a list is returned as it is.
    public func prepared() -> HTTPHeaders {
        var bytes: [UInt8] = []
        var names: Set<String> = []
        for field in fields {
            let lowercased = String(decoding: field.name.utf8.map(ASCII.lowercased), as: UTF8.self)
            guard ASCII.isToken(field.name), ASCII.isFieldValue(field.value),
                !["content-length", "transfer-encoding", "connection"].contains(lowercased)
            else { return self }
            ASCII.append(field.name, to: &bytes)
            bytes += [ASCII.colon, ASCII.space]
            ASCII.append(field.value, to: &bytes)
            bytes += [ASCII.cr, ASCII.lf]
            names.insert(lowercased)
        }
        var copy = self
        copy.wire = WireForm(bytes: bytes, lowercasedNames: names)
        return copy
    }

    /// Whether two lists hold the same fields in the same order.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields == rhs.fields
    }

    /// Creates a list from `(name, value)` pairs, in their order.
    /// - Parameter pairs: The fields, duplicates kept.
    public init(_ pairs: [(String, String)]) {
        fields = FieldList(pairs.lazy.map { Field(name: $0.0, value: $0.1) })
    }

    /// Creates a list from a literal such as `["Content-Type": "text/plain"]`, in its order.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The number of fields, duplicates counted.
    public var count: Int { fields.count }

    /// Whether the list has no fields.
    public var isEmpty: Bool { fields.isEmpty }

    /// The value of the first field named `name` (case-insensitive), or `nil`.
    ///
    /// Setting a value replaces every field of that name with one field at the position of
    /// the first; setting `nil` removes them all.
    public subscript(name: String) -> String? {
        get {
            fields.firstIndex(named: name).map { fields.value(at: $0) }
        }
        set {
            if let newValue {
                replaceOrAdd(name: name, value: newValue)
            } else {
                remove(name: name)
            }
        }
    }

    /// The values of every field named `name` (case-insensitive), in order.
    /// - Parameter name: The field name.
    /// - Returns: The values; empty when there is no such field.
    public func values(for name: String) -> [String] {
        fields.compactMap { Self.name($0.name, equals: name) ? $0.value : nil }
    }

    /// Whether a field named `name` (case-insensitive) is present.
    /// - Parameter name: The field name.
    public func contains(name: String) -> Bool {
        fields.firstIndex(named: name) != nil
    }

    /// Appends a field, keeping any others of the same name.
    /// - Parameters:
    ///   - name: The field name.
    ///   - value: The field value.
    public mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every field named `name` with one field holding `value`, at the position of
    /// the first; appends it when there is none.
    /// - Parameters:
    ///   - name: The field name (case-insensitive).
    ///   - value: The new value.
    public mutating func replaceOrAdd(name: String, value: String) {
        guard let first = fields.firstIndex(named: name) else {
            add(name: name, value: value)
            return
        }
        fields[first] = Field(name: name, value: value)
        var index = fields.index(after: first)
        while index < fields.endIndex {
            if Self.name(fields[index].name, equals: name) {
                fields.remove(at: index)
            } else {
                index += 1
            }
        }
    }

    /// Removes every field named `name` (case-insensitive).
    /// - Parameter name: The field name.
    public mutating func remove(name: String) {
        fields.removeAll { Self.name($0.name, equals: name) }
    }

    /// Iterates the fields in order as `(name, value)` pairs.
    public func makeIterator() -> some IteratorProtocol<(name: String, value: String)> {
        fields.lazy.map { (name: $0.name, value: $0.value) }.makeIterator()
    }

    /// The fields one per line, as `Name: value`.
    public var description: String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }

    /// Whether two names are equal ignoring ASCII case, without allocating.
    static func name(_ lhs: String, equals rhs: String) -> Bool {
        ASCII.withBytes(of: lhs) { left in ASCII.withBytes(of: rhs) { right in ASCII.equalsIgnoringCase(left, right) } }
    }

    /// Whether the comma-separated values of `name` contain `token`, ignoring ASCII case
    /// (as in `Connection: keep-alive, Upgrade`).
    func containsToken(_ token: String, inFieldsNamed name: String) -> Bool {
        for value in values(for: name) {
            for element in value.utf8.split(separator: UInt8(ascii: ",")) {
                let trimmed = ASCII.trimmingWhitespace(element)
                if Self.name(String(decoding: trimmed, as: UTF8.self), equals: token) { return true }
            }
        }
        return false
    }
}
