import Testing

@testable import LivePage

/// The client table finds every client it holds and none it does not, through collisions,
/// wrap-around at the end of its slots, removals in the middle of a probe run, and growth:
/// checked against a `Dictionary` over thousands of random steps.
@Suite(.timeLimit(.minutes(1)))
struct ClientTableTests {
    /// Hands out the given words, then the words of a seeded SplitMix64.
    struct ScriptedGenerator: RandomNumberGenerator {
        var script: [UInt64]
        var fallback = SplitMix64(seed: 7)

        mutating func next() -> UInt64 {
            script.isEmpty ? fallback.next() : script.removeFirst()
        }
    }

    /// An id whose low word has `lowBits` in its bottom bits: its home slot in a small table.
    static func id(lowBits: UInt64, salt: UInt64) -> ClientID {
        var generator = ScriptedGenerator(script: [salt, lowBits | salt << 20])
        return ClientID(random: &generator)
    }

    let location = LocationState(name: "/zorg", listLimit: 1000)

    func record(_ id: ClientID) -> ClientRecord {
        ClientRecord(info: ClientInfo(id: id, location: "/zorg", principal: nil, presence: .none), location: location, expiresAt: .zero)
    }

    @Test func matchesADictionaryThroughCollisionsRemovalsAndGrowth() {
        var table = ClientTable(capacity: 16)
        var model: [ClientID: ClientRecord] = [:]
        var random = SplitMix64(seed: 42)
        // Few home slots, near the end of the 16, so that runs collide and wrap round.
        var pool: [ClientID] = []
        for salt in 1...400 as ClosedRange<UInt64> {
            pool.append(Self.id(lowBits: 12 + random.next() % 6, salt: salt))
        }
        var mismatches: [String] = []
        for step in 0..<20_000 {
            let id = pool[Int(random.next() % UInt64(pool.count))]
            if random.next() % 3 != 0 && model.count < 300 {
                if model[id] == nil {
                    let record = record(id)
                    table[id] = record
                    model[id] = record
                }
            } else if table.removeValue(forKey: id) !== model.removeValue(forKey: id) {
                mismatches.append("remove at \(step)")
            }
            if table.count != model.count { mismatches.append("count at \(step)") }
            if step % 97 == 0 {
                for probe in pool where table[probe] !== model[probe] { mismatches.append("lookup at \(step)") }
            }
        }
        for probe in pool where table[probe] !== model[probe] { mismatches.append("final lookup") }
        #expect(Set(table.values.map(ObjectIdentifier.init)) == Set(model.values.map(ObjectIdentifier.init)))
        #expect(mismatches.count == 0, "first mismatches: \(mismatches.prefix(5))")
    }

    @Test func settingNilRemovesAndSettingAgainReplaces() {
        var table = ClientTable(capacity: 16)
        let id = Self.id(lowBits: 15, salt: 1)
        let (first, second) = (record(id), record(id))
        table[id] = first
        table[id] = second
        #expect(table[id] === second && table.count == 1)
        table[id] = nil
        #expect(table[id] == nil && table.count == 0)
        #expect(table.removeValue(forKey: id) == nil)
    }

    @Test func anIDNeverStoredIsNotFoundInAFullRun() {
        var table = ClientTable(capacity: 16)
        let stored = (1...12 as ClosedRange<UInt64>).map { Self.id(lowBits: 3, salt: $0) }
        for id in stored { table[id] = record(id) }
        #expect(table.count == 12)
        #expect(table[Self.id(lowBits: 3, salt: 99)] == nil)
        #expect(table[.zero] == nil, "the filler of empty slots is never found")
        for id in stored { #expect(table[id]?.info.id == id) }
    }
}
