import LivePageEvents
import LivePageTestSupport
import LivePageTesting
import Testing

/// The `after` parameter of output polls, and the batch limits.
@Suite struct OutputAfterTests {
    static let threeEvents = #"[{"verb": "remove", "id": "a"}, {"verb": "remove", "id": "b"}, {"verb": "remove", "id": "c"}]"#

    @Test(.timeLimit(.minutes(2)))
    func afterAcknowledgesAndAnUnacknowledgedAnswerComesAgain() async throws {
        try await withInProcessServer(publishing) { server in
            let id = try await server.registerClient()
            #expect(try await server.deliver(Self.threeEvents, to: #"{"client": "\#(id)"}"#) == 3)

            #expect(seqs(try server.events(id)) == [1, 2, 3])
            // The answer was lost: the same after gets the same events again.
            let again = try server.events(id)
            #expect(seqs(again) == [1, 2, 3])
            #expect(again.map { $0.string("id") } == ["a", "b", "c"])
            #expect(seqs(try server.events(id, after: 2)) == [3])
            // A lower after than one already received counts as the higher one.
            #expect(seqs(try server.events(id, after: 1)) == [3])
            #expect(seqs(try server.events(id, after: 0)) == [3])

            // Everything acknowledged: the poll parks until the next event.
            let poller = try server.connect()
            try poller.send(TestHTTPRequest("GET", server.outputPath(id, after: "3")))
            #expect(try await server.metric("livepage_parked_requests") == 1)
            #expect(try !poller.hasDataAvailable())
            #expect(try await server.deliver(#"[{"verb": "remove", "id": "d"}]"#, to: #"{"client": "\#(id)"}"#) == 1)
            #expect(seqs(try await poller.readResponse().events()) == [4])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func afterAboveTheLastSeqIsABadRequest() async throws {
        try await withInProcessServer(publishing) { server in
            let id = try await server.registerClient()
            let beforeAny = try server.poll(id, after: 1)
            expectError(beforeAny, 400, mentioning: ["after"], hiding: [id])
            expectAPIHeaders(beforeAny)
            _ = try await server.deliver(Self.threeEvents, to: #"{"client": "\#(id)"}"#)
            expectError(try server.poll(id, after: 4), 400, mentioning: ["after"], hiding: [id])
            expectError(try await server.request("GET", server.outputPath(id, after: "9007199254740991")), 400, mentioning: ["after"])
            #expect(seqs(try server.events(id, after: 0)) == [1, 2, 3], "a refused after must not acknowledge")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func afterThatIsNotADigitStringUpTo2To53Minus1IsABadRequest() async throws {
        try await withInProcessServer(publishing) { server in
            let id = try await server.registerClient()
            _ = try await server.deliver(Self.threeEvents, to: #"{"client": "\#(id)"}"#)
            let refused = [
                "abc", "-1", "%2D1", "1.5", "1e1", "0x1", "+1", "%201", "1%20", "", "%", "%zz", "9007199254740992",
                "18446744073709551616", "99999999999999999999999",
            ]
            for after in refused {
                let response = try await server.request("GET", server.outputPath(id, after: after))
                #expect(response.status == 400, "after=\(after): \(response)")
                expectError(response, 400, hiding: [id])
            }
            let repeated = try await server.request("GET", server.outputPath(id) + "?after=1&after=1")
            expectError(repeated, 400, mentioning: ["after"])
            #expect(seqs(try server.events(id)) == [1, 2, 3])
            #expect(seqs(try server.events(id, after: 2)) == [3])
            let other = try await server.request("GET", server.outputPath(id) + "?x=1&after=2&y")
            #expect(try seqs(other.events()) == [3], "other parameters are ignored")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aBatchHoldsAtMostTheConfiguredNumberOfEvents() async throws {
        try await withInProcessServer(publishing + ["--max-batch-events", "2"]) { server in
            let id = try await server.registerClient()
            let five = (1...5).map { #"{"verb": "remove", "id": "e\#($0)"}"# }.joined(separator: ",")
            #expect(try await server.deliver("[\(five)]", to: #"{"client": "\#(id)"}"#) == 5)
            #expect(seqs(try server.events(id)) == [1, 2])
            #expect(seqs(try server.events(id, after: 2)) == [3, 4])
            #expect(seqs(try server.events(id, after: 4)) == [5])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aBatchHoldsAtMostTheConfiguredBytesButAlwaysOneEvent() async throws {
        try await withInProcessServer(publishing + ["--max-batch-bytes", "400"]) { server in
            let id = try await server.registerClient()
            let html = String(repeating: "x", count: 100)
            let small = (1...5).map { #"{"verb": "update", "id": "e\#($0)", "html": "\#(html)"}"# }.joined(separator: ",")
            let large = #"{"verb": "update", "id": "big", "html": "\#(String(repeating: "y", count: 1000))"}"#
            #expect(try await server.deliver("[\(small),\(large)]", to: #"{"client": "\#(id)"}"#) == 6)

            var received: [Int] = []
            var batches: [[JSONObject]] = []
            while received.count < 6 {
                let batch = try server.events(id, after: received.last ?? 0)
                try #require(!batch.isEmpty)
                received += seqs(batch)
                batches.append(batch)
            }
            #expect(received == [1, 2, 3, 4, 5, 6])
            #expect(batches.allSatisfy { $0.count <= 2 }, "a batch over 400 bytes: \(batches.map(\.count))")
            #expect(batches.last?.count == 1 && batches.last?.first?.string("id") == "big", "the large event comes alone")
        }
    }
}
