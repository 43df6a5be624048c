extension JSONValue {
    /// The default bound on nesting: deep enough for any event, shallow enough that
    /// hostile input cannot exhaust the stack.
    public static let defaultMaximumDepth = 64

    /// Parses UTF-8 JSON text strictly (RFC 8259): no comments, trailing commas, leading
    /// zeros, control characters in strings, invalid UTF-8, lone surrogates or duplicate
    /// object keys.
    ///
    /// - Parameters:
    ///   - bytes: The text, as UTF-8. Whitespace may surround the value.
    ///   - maximumDepth: The deepest nesting of arrays and objects accepted
    ///     (default ``defaultMaximumDepth``).
    /// - Throws: ``JSONError`` naming the first problem and its byte offset.
    public init(parsing bytes: some Collection<UInt8>, maximumDepth: Int = JSONValue.defaultMaximumDepth) throws(JSONError) {
        let result: Result<JSONValue, JSONError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONError) -> JSONValue in try JSONParser.parse(buffer, maximumDepth: maximumDepth) }
        }
        if let result {
            self = try result.get()
        } else {
            let copy = Array(bytes)
            self = try copy.withUnsafeBufferPointer { buffer throws(JSONError) in
                try JSONParser.parse(buffer, maximumDepth: maximumDepth)
            }
        }
    }

    /// Parses JSON text; see ``init(parsing:maximumDepth:)-(some Collection<UInt8>,_)``.
    public init(parsing text: String, maximumDepth: Int = JSONValue.defaultMaximumDepth) throws(JSONError) {
        try self.init(parsing: Array(text.utf8), maximumDepth: maximumDepth)
    }
}
