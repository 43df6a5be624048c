/// Decodes `application/x-www-form-urlencoded` bodies strictly: `+` is a space, `%XX` a
/// byte, and the result must be UTF-8. A malformed escape or invalid UTF-8 is an error
/// rather than a guess, since the text goes on to other users' pages.
enum FormDecoder {
    /// The (name, value) pairs of `body`, in order, repeats included.
    /// - Throws: ``RouteError`` `400` naming the problem.
    static func decode(_ body: [UInt8]) throws(RouteError) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for part in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let sides = part.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decodeComponent(sides[0])
            let value = sides.count > 1 ? try decodeComponent(sides[1]) : ""
            guard !name.isEmpty else { throw .badRequest("The form has a field without a name.") }
            pairs.append((name, value))
        }
        return pairs
    }

    /// One percent-decoded component (also used for query parameters).
    static func decodeComponent(_ bytes: some Collection<UInt8>) throws(RouteError) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                let first = bytes.index(after: index)
                guard first != bytes.endIndex, bytes.index(after: first) != bytes.endIndex,
                    let high = hexValue(bytes[first]), let low = hexValue(bytes[bytes.index(after: first)])
                else { throw .badRequest("The form has a '%' that is not followed by two hex digits.") }
                output.append(high << 4 | low)
                index = bytes.index(after: first)
            } else {
                output.append(byte)
            }
            index = bytes.index(after: index)
        }
        guard let text = String(validating: output, as: UTF8.self) else {
            throw .badRequest("The form is not valid UTF-8.")
        }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The value of the query parameter `name` in `query`, or `nil` if absent.
    /// - Throws: ``RouteError`` `400` if the query is malformed or names it twice.
    static func queryValue(_ name: String, in query: String?) throws(RouteError) -> String? {
        guard let query else { return nil }
        var found: String?
        for (key, value) in try decode(Array(query.utf8)) where key == name {
            guard found == nil else { throw .badRequest("The query gives '\(name)' more than once.") }
            found = value
        }
        return found
    }
}
