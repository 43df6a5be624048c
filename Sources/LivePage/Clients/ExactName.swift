/// A principal or a location as the manager tells them apart: byte for byte.
///
/// `String` equality is Unicode canonical equivalence: `"\u{212A}evin"`, spelled with
/// KELVIN SIGN, equals `"Kevin"`, and `"/caf\u{E9}"` equals `"/cafe\u{301}"`. Two users
/// whose ids differ only so are still two users, who must never receive each other's
/// events or share a limit, so the manager keys its dictionaries, sorts and compares
/// with this instead. Sorted, names are in UTF-8 byte order (Unicode scalar order).
struct ExactName: Hashable, Comparable {
    /// The name as given.
    let string: String

    init(_ string: String) {
        self.string = string
    }

    static func == (a: ExactName, b: ExactName) -> Bool {
        a.string.utf8.elementsEqual(b.string.utf8)
    }

    static func < (a: ExactName, b: ExactName) -> Bool {
        a.string.utf8.lexicographicallyPrecedes(b.string.utf8)
    }

    func hash(into hasher: inout Hasher) {
        for byte in string.utf8 { hasher.combine(byte) }
    }
}
