import LivePageEvents
import LivePageTestSupport
import Testing

/// Client ids as an attacker sees them over the wire: drawn from the system's secure
/// generator, so distinct, version-4 UUIDs with no pattern from one to the next; an id
/// guessed from a real one (a neighbour, another spelling) works for nothing; and no id
/// shows in logs, metrics or error answers.
@Suite(.timeLimit(.minutes(3)))
struct ClientIDAttackTests {
    /// The 128 bits of a UUID written as 32 hex digits and four dashes.
    static func bits(_ id: String) -> (high: UInt64, low: UInt64)? {
        let hex = id.filter { $0 != "-" }
        guard hex.count == 32, let high = UInt64(hex.prefix(16), radix: 16), let low = UInt64(hex.suffix(16), radix: 16) else { return nil }
        return (high, low)
    }

    @Test func registeredIdsAreDistinctRandomVersion4UUIDsWithNoPattern() async throws {
        let count = 2000
        let ids = try await withServer { server in
            let connection = try server.connect()
            var ids: [String] = []
            for index in 0..<count {
                let response = try connection.post(
                    "/livepage/clients", headers: [("Content-Type", "application/json")], body: #"{"location": "/ids/\#(index % 7)"}"#)
                try #require(response.status == 201, "\(response)")
                ids.append(try #require(try response.json().string("client")))
            }
            return ids
        }
        #expect(Set(ids).count == count, "every id is distinct")
        for id in ids {
            #expect(RegistrationTests.isClientID(id), "\(id) is not a lowercase UUID")
            let characters = Array(id)
            #expect(characters[14] == "4" && "89ab".contains(characters[19]), "\(id) is not a version-4, RFC 4122 UUID")
        }
        let values = ids.compactMap(Self.bits)
        #expect(values.count == count)

        // Consecutive ids differ in about half of their 122 random bits (mean 61, standard
        // deviation 5.5); a counter, a clock or a weak generator would differ in few.
        for (a, b) in zip(values, values.dropFirst()) {
            let distance = (a.high ^ b.high).nonzeroBitCount + (a.low ^ b.low).nonzeroBitCount
            #expect((20...102).contains(distance), "consecutive ids differ in \(distance) bits")
        }
        // No constant step from one id to the next.
        let steps = Set(zip(values, values.dropFirst()).map { a, b in b.low &- a.low })
        #expect(steps.count > count / 2, "ids follow a sequence: \(steps.count) distinct steps")
        // Every bit that is not the version or the variant is set in about half the ids.
        let fixed = Set(48..<52).union(64..<66)
        for bit in 0..<128 where !fixed.contains(bit) {
            let ones = values.filter { value in
                bit < 64 ? value.high >> UInt64(63 - bit) & 1 == 1 : value.low >> UInt64(127 - bit) & 1 == 1
            }.count
            #expect((count * 3 / 10...count * 7 / 10).contains(ones), "bit \(bit) is set in \(ones) of \(count) ids")
        }
    }

    /// Ids one digit away from a real one, or the real one spelled otherwise.
    static func guesses(from id: String) -> [String] {
        var guesses: [String] = [id.uppercased()]
        for position in [0, 7, 9, 24, 35] {
            var characters = Array(id)
            let digit = characters[position].hexDigitValue!
            characters[position] = Character(String((digit + 1) % 16, radix: 16))
            guesses.append(String(characters))
        }
        guesses.append("{\(id)}")
        guesses.append(id.filter { $0 != "-" })
        guesses.append(id + "0")
        guesses.append(String(id.dropLast()))
        return guesses
    }

    @Test func anIdGuessedFromARealOneWorksForNothing() async throws {
        try await withServer(publishing) { server in
            let victim = try server.registerClient(at: "/secret", principal: "victim")
            _ = try server.deliver(#"[{"verb": "text", "id": "balance", "text": "42"}]"#, to: #"{"client": "\#(victim)"}"#)
            for guess in Self.guesses(from: victim) {
                let path = formEncoded(guess).replacing("%2D", with: "-")
                for response in [
                    try server.request("GET", "/livepage/clients/\(path)/output"),
                    try server.request("GET", "/livepage/clients/\(path)/online"),
                    try server.input(path, form: "verb=append&id=log&html=x"),
                ] {
                    expectError(response, 410, reason: "unknown", hiding: [victim, guess])
                }
                #expect(try server.close(path).status == 204, "closing an unknown id says nothing")
            }
            let events = try server.events(victim)
            #expect(events.map { $0.string("text") } == ["42"], "the victim's events were not taken or added to: \(events)")
            #expect(try server.online(victim).status == 200, "the victim was not closed")
        }
    }

    @Test func noIdShowsInLogsMetricsOrErrorAnswers() async throws {
        var seen: [String] = []
        let process = try await withServer(publishing) { server in
            let alice = try server.registerClient(at: "/chat", principal: "alice", presence: "list")
            let bob = try server.registerClient(at: "/chat", principal: "bob")
            seen = [alice, bob]
            var answers: [TestHTTPResponse] = []
            answers.append(try server.input(alice, form: "verb=append&id=log&html=hi"))
            answers.append(try server.input(alice, form: "verb=update&id=log&html=hi"))
            answers.append(try server.input(alice, json: #"{"verb": "append", "id": "log", "html": 5}"#))
            answers.append(try server.request("GET", server.outputPath(alice, after: "999")))
            answers.append(try server.request("GET", server.outputPath(alice, after: "x")))
            answers.append(try server.request("DELETE", server.outputPath(alice)))
            answers.append(try server.input(alice, form: "verb=append&id=log&html=x", headers: [("Origin", "https://evil.example")]))
            answers.append(try server.close(bob, headers: [("Origin", "https://evil.example")]))
            answers.append(try server.publish(#"{"to": {"client": "\#(bob)"}, "events": []}"#))
            answers.append(try server.publish(#"{"to": {"client": "\#(bob)", "location": "/chat"}, "events": [{"verb": "remove", "id": "a"}]}"#))
            #expect(try server.close(bob).status == 204)
            answers.append(try server.poll(bob))
            answers.append(try server.request("GET", "/livepage/metrics"))
            for answer in answers {
                for id in seen {
                    #expect(!answer.text.contains(String(id.prefix(13))), "an answer shows an id: \(answer)")
                }
            }
            return server.process
        }
        // Read once the server has stopped and its last line is in.
        #expect(await eventually { process.standardError.contains("stopped") }, "\(process.standardError)")
        let log = process.standardError
        for id in seen {
            #expect(!log.contains(String(id.prefix(9))), "the log shows more than 8 hex digits of an id:\n\(log)")
        }
    }
}
