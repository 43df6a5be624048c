import LivePageServer
import Testing

@Suite(.timeLimit(.minutes(1)))
struct Base64URLTests {
    /// RFC 4648 §10, without the padding §5 lets URL-safe encodings leave out.
    @Test(arguments: [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"),
        ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ])
    func encodesAndDecodesTheRFC4648Vectors(plain: String, encoded: String) {
        #expect(Base64URL.encode(plain.utf8) == encoded)
        #expect(Base64URL.decode(encoded) == Array(plain.utf8))
    }

    /// The two characters where base64url differs from base64: `-` for `+`, `_` for `/`.
    @Test func usesTheURLSafeAlphabet() {
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(Base64URL.encode([0xf8]) == "-A")
        #expect(Base64URL.decode("-_8") == [0xfb, 0xff])
    }

    @Test func roundTripsEveryByteAtEveryAlignment() {
        let bytes = (0...255).map { UInt8($0) }
        for start in 0..<3 {
            let slice = Array(bytes[start...])
            #expect(Base64URL.decode(Base64URL.encode(slice)) == slice)
        }
    }

    @Test(arguments: ["Zg==", "Zm8=", "Zg=", "Zm9v===="])
    func refusesPadding(text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    /// Standard base64's `+` and `/`, whitespace, line breaks, a dot and non-ASCII.
    @Test(arguments: ["+_8", "-/8", "Zm9 v", "Zm9v\n", "Zm9.", "Zm9vYé"])
    func refusesCharactersOutsideTheAlphabet(text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    /// One character over a multiple of four holds only six bits: no byte string
    /// encodes to it.
    @Test(arguments: ["Z", "Zm9vY", "Zm9vYmFyZ"])
    func refusesImpossibleLengths(text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    /// `Zh` and `Zg` would both decode to "f", and `Zm9` and `Zm8` to "fo"; only the
    /// spelling whose unused bits are zero is accepted.
    @Test(arguments: ["Zh", "Zv", "Zm9", "Zm_"])
    func refusesNonCanonicalTrailingBits(text: String) {
        #expect(Base64URL.decode(text) == nil)
    }
}
