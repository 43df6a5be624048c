import LivePageEvents
import LivePageTestSupport
import LivePageTesting
import Testing

/// `POST /livepage/clients` in open mode: the answer, presence modes, and bodies refused.
@Suite struct RegistrationTests {
    /// Whether `text` is a lowercase RFC 4122 version-4 UUID.
    static func isClientID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                else { return false }
            }
        }
        return bytes[14] == UInt8(ascii: "4") && [UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(bytes[19])
    }

    @Test(.timeLimit(.minutes(2)))
    func openModeTakesThePrincipalAsGiven() async throws {
        try await withInProcessServer { server in
            let response = try await server.register(#"{"location": "/chat/lobby", "principal": "zorg.member.uwe"}"#)
            #expect(response.status == 201, "\(response)")
            #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
            expectAPIHeaders(response)
            let body = try response.json()
            #expect(Self.isClientID(body.string("client") ?? ""), "\(response)")
            #expect(body.string("location") == "/chat/lobby")
            #expect(body.string("principal") == "zorg.member.uwe")
            #expect(body.int("refresh") == 25)
            #expect(body.int("protocol") == 1)
            #expect(body.string("epoch")?.isEmpty == false)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func anAnonymousClientHasANullPrincipalAndTheConfiguredRefresh() async throws {
        try await withInProcessServer(["--refresh", "3"]) { server in
            for body in [#"{"location": "/a"}"#, #"{"location": "/a", "principal": null}"#] {
                let response = try await server.register(body)
                #expect(response.status == 201, "\(response)")
                let json = try response.json()
                #expect(json["principal"] == .null, "\(response)")
                #expect(json.int("refresh") == 3)
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func eachRegistrationGetsItsOwnIdAndTheServersEpoch() async throws {
        let (epochs, ids) = try await withInProcessServer { server in
            let first = try await server.register(#"{"location": "/a"}"#).json()
            let second = try await server.register(#"{"location": "/a"}"#).json()
            return ([first.string("epoch"), second.string("epoch")], [first.string("client"), second.string("client")])
        }
        #expect(epochs[0] != nil && epochs[0] == epochs[1])
        #expect(ids[0] != nil && ids[0] != ids[1])
        let restarted = try await withInProcessServer { server in try await server.register(#"{"location": "/a"}"#).json().string("epoch") }
        #expect(restarted != nil && restarted != epochs[0], "the epoch must change when the server restarts")
    }

    @Test(.timeLimit(.minutes(2)))
    func aListClientsFirstEventIsTheFullState() async throws {
        try await withInProcessServer { server in
            _ = try await server.registerClient(at: "/room", principal: "zed")
            _ = try await server.registerClient(at: "/room", principal: "bob")
            _ = try await server.registerClient(at: "/room", principal: "bob")
            _ = try await server.registerClient(at: "/room")
            _ = try await server.registerClient(at: "/elsewhere", principal: "carol")
            let alice = try await server.registerClient(at: "/room", principal: "alice", presence: "list")
            let events = try server.events(alice)
            try #require(events.count == 1, "\(events)")
            let expected: JSONObject = [
                "seq": 1, "verb": "presence", "location": "/room",
                "principals": ["alice", "bob", "zed"], "count": 3, "anonymous": 1,
            ]
            #expect(events[0] == expected)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aCountClientGetsTotalsWithoutLists() async throws {
        try await withInProcessServer { server in
            _ = try await server.registerClient(at: "/room", principal: "bob")
            let counter = try await server.registerClient(at: "/room", principal: "alice", presence: "count")
            let first = try server.events(counter)
            #expect(first == [["seq": 1, "verb": "presence", "location": "/room", "count": 2, "anonymous": 0]])
            _ = try await server.registerClient(at: "/room")
            let change = try server.events(counter, after: 1)
            #expect(change == [["seq": 2, "verb": "presence", "location": "/room", "count": 2, "anonymous": 1]])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aListClientGetsWhoJoinedAndLeft() async throws {
        try await withInProcessServer { server in
            let alice = try await server.registerClient(at: "/room", principal: "alice", presence: "list")
            #expect(try server.events(alice).count == 1)
            let bob = try await server.registerClient(at: "/room", principal: "bob")
            let joined = try server.events(alice, after: 1)
            let expectedJoin: JSONObject = [
                "seq": 2, "verb": "presence", "location": "/room", "joined": ["bob"], "left": [], "count": 2, "anonymous": 0,
            ]
            #expect(joined == [expectedJoin])
            #expect(try await server.close(bob).status == 204)
            let left = try server.events(alice, after: 2)
            let expectedLeave: JSONObject = [
                "seq": 3, "verb": "presence", "location": "/room", "joined": [], "left": ["bob"], "count": 1, "anonymous": 0,
            ]
            #expect(left == [expectedLeave])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aClientWithoutPresenceGetsNoPresenceEvents() async throws {
        try await withInProcessServer(["--refresh", "1"]) { server in
            let quiet = try await server.registerClient(at: "/room", principal: "alice", presence: "none")
            let silent = try await server.registerClient(at: "/room", principal: "bob")
            _ = try await server.registerClient(at: "/room", principal: "carol")
            for id in [quiet, silent] {
                let response = try server.poll(id)
                #expect(response.status == 200)
                #expect(try response.events().isEmpty, "\(response)")
            }
        }
    }

    /// Bodies refused, with the status and a word the error must name.
    static let refusedBodies: [(body: String, contentType: String?, status: Int, mentions: String)] = [
        (#"{"location": "/a""#, "application/json", 400, ""),
        ("", "application/json", 400, ""),
        (#"["/a"]"#, "application/json", 400, "object"),
        (#"{"location": "/a"}"#, "text/plain", 415, "application/json"),
        (#"{"location": "/a"}"#, nil, 415, "application/json"),
        ("location=/a", "application/x-www-form-urlencoded", 415, "application/json"),
        (#"{}"#, "application/json", 400, "location"),
        (#"{"principal": "alice"}"#, "application/json", 400, "location"),
        (#"{"location": 7}"#, "application/json", 400, "location"),
        (#"{"location": ""}"#, "application/json", 400, "location"),
        (#"{"location": "/a\u0001b"}"#, "application/json", 400, "location"),
        (#"{"location": "/\#(String(repeating: "x", count: 512))"}"#, "application/json", 400, "location"),
        (#"{"location": "/a", "principal": 42}"#, "application/json", 400, "principal"),
        (#"{"location": "/a", "principal": ""}"#, "application/json", 400, "principal"),
        (#"{"location": "/a", "principal": "\#(String(repeating: "p", count: 257))"}"#, "application/json", 400, "principal"),
        (#"{"location": "/a", "presence": "everyone"}"#, "application/json", 400, "presence"),
        (#"{"location": "/a", "presence": true}"#, "application/json", 400, "presence"),
        (#"{"location": "/a", "token": "x.y.z"}"#, "application/json", 400, "token"),
        (#"{"location": "/a", "location": "/b"}"#, "application/json", 400, ""),
    ]

    @Test(.timeLimit(.minutes(2)))
    func badBodiesAreRefused() async throws {
        try await withInProcessServer { server in
            for refused in Self.refusedBodies {
                let headers = refused.contentType.map { [(name: "Content-Type", value: $0)] } ?? []
                let response = try await server.request("POST", "/livepage/clients", headers: headers, body: refused.body)
                expectError(response, refused.status, mentioning: refused.mentions.isEmpty ? [] : [refused.mentions])
            }
            #expect(try await server.metric("livepage_clients") == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aLocationOf512BytesIsAccepted() async throws {
        try await withInProcessServer { server in
            let location = "/" + String(repeating: "x", count: 511)
            let response = try await server.register(#"{"location": "\#(location)"}"#)
            #expect(response.status == 201, "\(response)")
            #expect(try response.json().string("location") == location)
        }
    }
}
