import Glibc
import LivePageEvents
import LivePageServer
import LivePageTestSupport
import Testing

/// Secrets compared without telling where a guess goes wrong: ``ConstantTime/equal(_:_:)``
/// reads every byte whatever the first difference, and the server's answers to wrong
/// publish keys and forged token signatures are the same whichever byte is wrong. No
/// test here measures time: the shape of the work and of the answer is what is checked.
@Suite(.timeLimit(.minutes(3)))
struct SecretComparisonAttackTests {
    /// A byte sequence that counts the bytes read from it.
    final class CountingBytes: Sequence {
        let bytes: [UInt8]
        private(set) var read = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        func makeIterator() -> AnyIterator<UInt8> {
            var index = 0
            return AnyIterator { [self] in
                guard index < bytes.count else { return nil }
                defer { index += 1 }
                read += 1
                return bytes[index]
            }
        }
    }

    static let secret = Array("publish-key-of-thirty-two-bytes!".utf8)

    /// Guesses at `secret` and whether each is equal to it.
    static var guesses: [(name: String, bytes: [UInt8], equal: Bool)] {
        var first = secret
        first[0] ^= 0x01
        var last = secret
        last[last.count - 1] ^= 0x80
        var middle = secret
        middle[16] = 0
        return [
            ("equal", secret, true),
            ("wrong first byte", first, false),
            ("wrong middle byte", middle, false),
            ("wrong last byte", last, false),
            ("one byte short", Array(secret.dropLast()), false),
            ("one byte more", secret + [0], false),
            ("twice as long", secret + secret, false),
            ("empty", [], false),
            ("all zero", [UInt8](repeating: 0, count: secret.count), false),
        ]
    }

    @Test func everyByteOfBothSidesIsReadWhereverTheFirstDifferenceIs() {
        for guess in Self.guesses {
            let given = CountingBytes(guess.bytes)
            let expected = CountingBytes(Self.secret)
            #expect(ConstantTime.equal(given, expected) == guess.equal, "\(guess.name)")
            #expect(given.read == guess.bytes.count, "\(guess.name): read \(given.read) of the guess's \(guess.bytes.count) bytes")
            #expect(expected.read == Self.secret.count, "\(guess.name): read \(expected.read) of the secret's \(Self.secret.count) bytes")
        }
    }

    /// The parts of an answer that could differ between two refusals: status, body and
    /// header names and values, without `Date`.
    static func shape(_ response: TestHTTPResponse) -> String {
        let headers = response.headers.filter { $0.name.lowercased() != "date" }.map { "\($0.name): \($0.value)" }
        return "\(response.status)\n\(headers.joined(separator: "\n"))\n\n\(response.text)"
    }

    @Test func everyWrongPublishKeyGetsTheSameAnswer() async throws {
        let key = Array(publishKey.utf8)
        var first = key
        first[0] ^= 0x01
        var last = key
        last[last.count - 1] ^= 0x01
        let wrongKeys: [(String, String)] = [
            ("wrong first byte", "Bearer " + String(decoding: first, as: UTF8.self)),
            ("wrong last byte", "Bearer " + String(decoding: last, as: UTF8.self)),
            ("one byte short", "Bearer " + String(publishKey.dropLast())),
            ("one byte more", "Bearer " + publishKey + "x"),
            ("the key twice", "Bearer " + publishKey + publishKey),
            ("upper case", "Bearer " + publishKey.uppercased()),
            ("a space before the key", "Bearer  " + publishKey),
            // (Whitespace after the key is not part of the field value: RFC 9110 trims it.)
            ("no key", "Bearer "),
            ("no scheme", publishKey),
            ("Basic", "Basic " + publishKey),
            ("another scheme's prefix", "Bearerx" + publishKey),
        ]
        try await withServer(publishing) { server in
            let reader = try server.registerClient(at: "/board")
            var shapes: Set<String> = []
            let body = #"{"to": {"location": "/board"}, "events": [{"verb": "remove", "id": "x"}]}"#
            for (name, authorization) in wrongKeys {
                for (method, path, requestBody) in [
                    ("POST", "/livepage/publish", body), ("POST", "/livepage/disconnect", #"{"to": {"all": true}}"#),
                    ("GET", "/livepage/presence?location=/board", ""),
                ] {
                    let response = try server.request(
                        method, path, headers: [("Content-Type", "application/json"), ("Authorization", authorization)], body: requestBody)
                    expectError(response, 401, hiding: [publishKey, String(publishKey.dropLast())])
                    #expect(response.header("WWW-Authenticate") == "Bearer", "\(name): \(response)")
                    shapes.insert(Self.shape(response))
                }
            }
            let missing = try server.publish(body, key: nil)
            shapes.insert(Self.shape(missing))
            #expect(shapes.count == 1, "wrong keys got different answers:\n\(shapes.joined(separator: "\n---\n"))")
            let inQuery = try server.postJSON("/livepage/publish?key=\(publishKey)", body)
            expectError(inQuery, 401)
            #expect(try server.online(reader).status == 200, "no wrong key disconnected anyone")
            #expect(try server.deliver(#"[{"verb": "remove", "id": "y"}]"#, to: #"{"location": "/board"}"#) == 1)
            #expect(try server.events(reader).map { $0.string("id") } == ["y"], "no wrong key published anything")
        }
    }

    @Test func forgedSignaturesGetTheSameAnswerWhicheverByteIsWrong() async throws {
        let claims = #"{"sub":"alice","aud":"livepage","exp":\#(time(nil) + 3600)}"#
        let token = TokenFixtures.token(claims: claims)
        let parts = token.split(separator: ".").map(String.init)
        let signature = try #require(Base64URL.decode(parts[2]))
        func resigned(_ bytes: [UInt8]) -> String { parts[0] + "." + parts[1] + "." + Base64URL.encode(bytes) }
        var first = signature
        first[0] ^= 0x01
        var last = signature
        last[31] ^= 0x01
        let forged = [
            resigned(first), resigned(last), resigned(Array(signature.dropLast())), resigned(signature + [0]),
            resigned([UInt8](repeating: 0, count: 32)), TokenFixtures.token(claims: claims, secret: TokenFixtures.otherSecret),
        ]
        try await withServer(TokenRegistrationTests.arguments) { server in
            var shapes: Set<String> = []
            for token in forged {
                let response = try server.register(fields: ["location": "/chat", "token": .string(token)])
                expectError(response, 403, mentioning: ["signature"], hiding: [parts[2]])
                shapes.insert(Self.shape(response))
            }
            #expect(shapes.count == 1, "forged signatures got different answers:\n\(shapes.joined(separator: "\n---\n"))")
            #expect(try server.register(fields: ["location": "/chat", "token": .string(token)]).status == 201)
        }
    }

    /// The rotation README and SECURITY.md describe: add the new key beside the old one,
    /// move every backend to it, then drop the old key.
    @Test func aPublishKeyIsRotatedWithoutAMomentWithoutAWorkingKey() async throws {
        let old = "old-publish-key-0123456789"
        let new = "new-publish-key-9876543210"
        let body = #"{"to": {"all": true}, "events": [{"verb": "remove", "id": "x"}]}"#
        try await withServer(["--publish-key", old]) { server in
            #expect(try server.publish(body, key: old).status == 200)
            expectError(try server.publish(body, key: new), 401)
        }
        try await withServer(["--publish-key", old, "--publish-key", new]) { server in
            let (withOld, withNew) = (try server.publish(body, key: old), try server.publish(body, key: new))
            #expect(withOld.status == 200 && withNew.status == 200, "\(withOld)\n\(withNew)")
        }
        try await withServer(["--publish-key", new]) { server in
            expectError(try server.publish(body, key: old), 401, hiding: [old, new])
            #expect(try server.publish(body, key: new).status == 200)
        }
    }
}
