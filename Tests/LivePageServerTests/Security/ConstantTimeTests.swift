import LivePageServer
import Testing

@Suite(.timeLimit(.minutes(1)))
struct ConstantTimeTests {
    @Test func equalBytesAreEqual() {
        #expect(ConstantTime.equal([UInt8](), [UInt8]()))
        #expect(ConstantTime.equal([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(ConstantTime.equal("publish-key".utf8, Array("publish-key".utf8)))
    }

    @Test func differentBytesAreNotEqual() {
        #expect(!ConstantTime.equal([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!ConstantTime.equal("publish-key".utf8, "publish-kez".utf8))
    }

    /// A missing byte is not read as a zero: `[1, 2, 0]` is not `[1, 2]`.
    @Test(arguments: [
        ([] as [UInt8], [0] as [UInt8]),
        ([1, 2, 0], [1, 2]),
        ([1, 2], [1, 2, 3]),
        ([0, 0, 0, 0], []),
    ])
    func differentLengthsAreNotEqual(lhs: [UInt8], rhs: [UInt8]) {
        #expect(!ConstantTime.equal(lhs, rhs))
        #expect(!ConstantTime.equal(rhs, lhs))
    }

    /// Every byte is compared, not just a prefix: a one-bit difference anywhere, the
    /// first and the last byte included, makes the values unequal.
    @Test func comparesEveryPositionAndBit() {
        let secret = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for position in secret.indices {
            for bit in 0..<8 {
                var guess = secret
                guess[position] ^= 1 << UInt8(bit)
                #expect(!ConstantTime.equal(secret, guess), "byte \(position), bit \(bit)")
                #expect(!ConstantTime.equal(guess, secret), "byte \(position), bit \(bit)")
            }
        }
        var first = secret
        first[0] ^= 0xff
        var last = secret
        last[31] ^= 0xff
        #expect(!ConstantTime.equal(secret, first))
        #expect(!ConstantTime.equal(secret, last))
        #expect(ConstantTime.equal(secret, secret[...]))
    }
}
