import LivePage
import Testing

/// Client ids: unguessable bearer secrets, written one way only, shown redacted.
@Suite(.timeLimit(.minutes(1)))
struct ClientIDTests {
    @Test func isALowercaseVersion4UUID() {
        for _ in 0..<1000 {
            let text = ClientID().description
            let characters = Array(text)
            #expect(characters.count == 36)
            for (index, character) in characters.enumerated() {
                if [8, 13, 18, 23].contains(index) {
                    #expect(character == "-", "\(text)")
                } else {
                    #expect(character.isHexDigit && !character.isUppercase, "\(text)")
                }
            }
            #expect(characters[14] == "4", "version 4: \(text)")
            #expect("89ab".contains(characters[19]), "RFC 4122 variant: \(text)")
        }
    }

    @Test func isDistinctOverManyDraws() {
        let ids = (0..<100_000).map { _ in ClientID() }
        #expect(Set(ids).count == ids.count)
        #expect(Set(ids.map(\.description)).count == ids.count)
    }

    /// Every one of the 122 bits that are not version or variant takes both values: no
    /// part of the id is fixed or derived from a counter.
    @Test func everyRandomBitVaries() {
        var seenOne = [Bool](repeating: false, count: 128)
        var seenZero = [Bool](repeating: false, count: 128)
        for _ in 0..<1000 {
            let hex = ClientID().description.filter { $0 != "-" }
            for (nibble, character) in hex.enumerated() {
                let value = character.hexDigitValue!
                for bit in 0..<4 {
                    let isOne = value & (8 >> bit) != 0
                    if isOne { seenOne[nibble * 4 + bit] = true } else { seenZero[nibble * 4 + bit] = true }
                }
            }
        }
        let fixed = Set(48..<52).union(64..<66)  // version nibble, variant bits
        for bit in 0..<128 {
            if fixed.contains(bit) {
                #expect(!(seenOne[bit] && seenZero[bit]), "bit \(bit) is fixed")
            } else {
                #expect(seenOne[bit] && seenZero[bit], "bit \(bit) varies")
            }
        }
    }

    @Test func registeredClientsGetDistinctIDs() throws {
        let harness = Harness()
        let ids = try (0..<1000).map { _ in try harness.register(nil) }
        #expect(Set(ids).count == 1000)
    }

    @Test func parsesItsOwnDescription() throws {
        for _ in 0..<100 {
            let id = ClientID()
            #expect(ClientID(id.description) == id)
            #expect(ClientID(id.description[...]) == id)
        }
        let text = "0123abcd-ef01-4567-89ab-cdef01234567"
        #expect(ClientID(text)?.description == text)
    }

    @Test(arguments: [
        "", "0123abcd", "0123ABCD-EF01-4567-89AB-CDEF01234567", "0123abcd-ef01-4567-89ab-cdef0123456",
        "0123abcd-ef01-4567-89ab-cdef012345678", "0123abcdef0145678 9abcdef01234567",
        "0123abcdef01456789abcdef01234567", "0123abcd-ef01-4567-89ab-cdef0123456g", "{0123abcd-ef01-4567-89ab-cdef01234567}",
        " 0123abcd-ef01-4567-89ab-cdef01234567", "0123abcd-ef01-4567-89ab-cdef01234567 ", "0123abc-def01-4567-89ab-cdef01234567",
        "0123abcd-ef01-4567-89ab-cdef-1234567", "0123abcd_ef01_4567_89ab_cdef01234567", "0123abcd-ef01-4567-89ab-cdef0123456é",
        "../../../etc/passwd", "0123abcd-ef01-4567-89ab-cdef01234567-0123abcd-ef01-4567-89ab-cdef01234567",
    ])
    func parsingRefusesAnythingButALowercaseUUID(text: String) {
        #expect(ClientID(text) == nil)
    }

    @Test func everyByteButALowercaseHexDigitIsRefusedAtEveryDigitPosition() {
        let valid = Array("0123abcd-ef01-4567-89ab-cdef01234567".utf8)
        let hexDigits = Set("0123456789abcdef".utf8)
        var wrong: [String] = []
        for position in valid.indices where valid[position] != UInt8(ascii: "-") {
            for byte in UInt8.min...UInt8.max {
                var bytes = valid
                bytes[position] = byte
                let parsed = bytes.withUnsafeBufferPointer { ClientID(utf8: $0) }
                if (parsed != nil) != hexDigits.contains(byte) { wrong.append("byte \(byte) at \(position)") }
                if let parsed, parsed.description.utf8.elementsEqual(bytes) == false { wrong.append("\(parsed) from byte \(byte) at \(position)") }
            }
        }
        #expect(wrong.isEmpty)
    }

    @Test func aWellFormedIDNeverIssuedIsUnknown() throws {
        let harness = Harness()
        try harness.register("zorg.member.uwe")
        let stranger = try #require(ClientID("0123abcd-ef01-4567-89ab-cdef01234567"))
        #expect(try harness.answer(stranger).summary == "gone(unknown)")
        #expect(harness.manager.client(stranger) == nil)
        #expect(harness.manager.goneReason(for: stranger) == .unknown)
    }

    @Test func theRedactedFormIsTheFirstEightHexDigits() throws {
        let id = try #require(ClientID("0123abcd-ef01-4567-89ab-cdef01234567"))
        #expect(id.redacted == "0123abcd")
        #expect(ClientID("00000000-ef01-4567-89ab-cdef01234567")?.redacted == "00000000")
        for _ in 0..<100 {
            let random = ClientID()
            #expect(random.redacted == String(random.description.prefix(8)))
        }
    }

    @Test func errorsNeverRepeatTheID() throws {
        let harness = Harness()
        let id = try harness.register("zorg.member.uwe")
        harness.manager.close(id)
        for reason in [ClientGoneReason.unknown, .expired, .closed, .evicted] {
            let error = ManagerError.clientGone(reason)
            #expect(!error.description.contains(id.redacted))
            #expect(error.status == 410)
            #expect(error.goneReason == reason)
        }
        #expect(try harness.answer(id).summary == "gone(closed)")
    }
}
