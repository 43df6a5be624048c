/// A string as LivePage tells strings apart: byte for byte.
///
/// `String` equality is Unicode canonical equivalence: `"\u{212A}evin"`, spelled with
/// KELVIN SIGN, equals `"Kevin"`, and `"/caf\u{E9}"` equals `"/cafe\u{301}"`. Two users,
/// locations, publish ids or JSON keys that differ only so are still two, which must never
/// receive each other's events, share a limit, or be refused as duplicates; and Redis,
/// which several servers share, compares bytes. So every dictionary, sort and comparison
/// of such names goes through this type, on one server and on many. Sorted, names are in
/// UTF-8 byte order (Unicode scalar order).
package struct ExactName: Hashable, Comparable, Sendable {
    /// The name as given.
    package let string: String

    /// The name `string`, compared by its UTF-8 bytes.
    package init(_ string: String) {
        self.string = string
    }

    package static func == (a: ExactName, b: ExactName) -> Bool {
        a.string.utf8.elementsEqual(b.string.utf8)
    }

    package static func < (a: ExactName, b: ExactName) -> Bool {
        a.string.utf8.lexicographicallyPrecedes(b.string.utf8)
    }

    package func hash(into hasher: inout Hasher) {
        // Native strings are contiguous UTF-8: hash the buffer in one call.
        if let hashed: Void = string.utf8.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) {
            return hashed
        }
        var copy = string
        copy.makeContiguousUTF8()
        copy.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension String {
    /// Whether `self` and `other` are the same bytes (not merely canonically equivalent).
    package func isSameBytes(as other: String) -> Bool {
        utf8.elementsEqual(other.utf8)
    }
}
