import LivePageEvents
import LivePageTestSupport
import LivePageTesting
import Testing

/// `GET /livepage/clients/{id}/output`: answered at once, parked then answered, idle,
/// superseded; the headers of every answer. In-process, on a manual clock.
@Suite struct OutputTests {
    @Test(.timeLimit(.minutes(2)))
    func eventsWaitingAreAnsweredAtOnceInSeqOrder() async throws {
        try await withInProcessServer(publishing) { server in
            let id = try await server.registerClient(at: "/chat")
            let events = #"[{"verb": "update", "id": "count", "html": "<b>5</b>"}, {"verb": "append", "id": "log", "html": "<p>42</p>"}]"#
            #expect(try await server.deliver(events, to: #"{"client": "\#(id)"}"#) == 2)
            let response = try server.poll(id)
            #expect(response.status == 200, "\(response)")
            #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
            expectAPIHeaders(response)
            let expected: [JSONObject] = [
                ["seq": 1, "verb": "update", "id": "count", "html": "<b>5</b>"],
                ["seq": 2, "verb": "append", "id": "log", "html": "<p>42</p>"],
            ]
            #expect(try response.events() == expected)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aParkedPollIsAnsweredByTheNextPublish() async throws {
        try await withInProcessServer(publishing) { server in
            let id = try await server.registerClient(at: "/chat")
            let poller = try server.connect()
            try poller.send(TestHTTPRequest("GET", server.outputPath(id, after: "0")))
            #expect(try await server.metric("livepage_parked_requests") == 1)
            #expect(try !poller.hasDataAvailable(within: .milliseconds(200)), "the poll answered before anything was published")

            #expect(try await server.deliver(#"[{"verb": "append", "id": "log", "html": "<p>new</p>"}]"#, to: #"{"location": "/chat"}"#) == 1)
            let response = try await poller.readResponse()
            #expect(response.status == 200, "\(response)")
            expectAPIHeaders(response)
            #expect(try response.events() == [["seq": 1, "verb": "append", "id": "log", "html": "<p>new</p>"]])
            #expect(try await server.metric("livepage_parked_requests") == 0)

            // The connection is kept alive: the next poll, with the new after, parks on it.
            #expect(!response.closesConnection)
            try poller.send(TestHTTPRequest("GET", server.outputPath(id, after: "1")))
            #expect(try await server.metric("livepage_parked_requests") == 1)
            #expect(try await server.deliver(#"[{"verb": "remove", "id": "old"}]"#, to: #"{"all": true}"#) == 1)
            #expect(try await poller.readResponse().events() == [["seq": 2, "verb": "remove", "id": "old"]])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aParkedPollIsAnsweredByInputFromAnotherClient() async throws {
        try await withInProcessServer { server in
            let reader = try await server.registerClient(at: "/chat", principal: "bob")
            let writer = try await server.registerClient(at: "/chat", principal: "alice")
            let poller = try server.connect()
            try poller.send(TestHTTPRequest("GET", server.outputPath(reader)))
            #expect(try await server.metric("livepage_parked_requests") == 1)
            #expect(try !poller.hasDataAvailable())
            #expect(try await server.input(writer, form: "verb=append&id=log&html=hi").status == 200)
            let events = try await poller.readResponse().events()
            #expect(events == [["seq": 1, "verb": "append", "id": "log", "html": "hi", "from": "alice"]])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aPollWithNothingToSendIsAnsweredIdleAfterTheHoldTime() async throws {
        try await withInProcessServer(["--refresh", "1", "--grace", "10"]) { server in
            let id = try await server.registerClient()
            let poll = server.startPoll(id)
            server.advance(by: .milliseconds(890))
            #expect(!poll.isAnswered, "answered idle before 0.9 x refresh")
            server.advance(by: .milliseconds(110))
            let response = try server.answered(poll)
            #expect(response.status == 200, "\(response)")
            expectAPIHeaders(response)
            #expect(response.text == #"{"events":[]}"#)
            #expect(try await server.metric("livepage_parked_requests") == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aSecondPollSupersedesTheParkedOne() async throws {
        try await withInProcessServer(publishing) { server in
            let id = try await server.registerClient()
            let first = try server.connect()
            try first.send(TestHTTPRequest("GET", server.outputPath(id)))
            #expect(try await server.metric("livepage_parked_requests") == 1)

            let second = try server.connect()
            try second.send(TestHTTPRequest("GET", server.outputPath(id)))
            let superseded = try await first.readResponse()
            expectError(superseded, 409, hiding: [id])
            expectAPIHeaders(superseded)
            #expect(try !second.hasDataAvailable(within: .milliseconds(200)), "the new poll must park")
            #expect(try await server.metric("livepage_parked_requests") == 1)

            #expect(try await server.deliver(#"[{"verb": "text", "id": "t", "text": "hello"}]"#, to: #"{"client": "\#(id)"}"#) == 1)
            #expect(try await second.readResponse().events() == [["seq": 1, "verb": "text", "id": "t", "text": "hello"]])
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aHEADRequestGetsTheHeadersOfTheAnswer() async throws {
        try await withInProcessServer(publishing) { server in
            let id = try await server.registerClient()
            _ = try await server.deliver(#"[{"verb": "remove", "id": "x"}]"#, to: #"{"client": "\#(id)"}"#)
            let response = try await server.connect().request(TestHTTPRequest("HEAD", server.outputPath(id)))
            #expect(response.status == 200, "\(response)")
            #expect(response.body.isEmpty)
            #expect(Int(response.header("Content-Length") ?? "") ?? 0 > 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aPublishToEveryoneAnswersEveryParkedPoll() async throws {
        try await withInProcessServer(publishing) { server in
            var pollers: [InProcessConnection] = []
            for index in 0..<40 {
                let id = try await server.registerClient(at: "/room/\(index % 4)", principal: index % 2 == 0 ? "p\(index)" : nil)
                let poller = try server.connect()
                try poller.send(TestHTTPRequest("GET", server.outputPath(id)))
                pollers.append(poller)
            }
            #expect(try await server.metric("livepage_parked_requests") == 40)
            #expect(try await server.deliver(#"[{"verb": "append", "id": "log", "html": "all"}, {"verb": "remove", "id": "x"}]"#, to: #"{"all": true}"#) == 80)
            for poller in pollers {
                let response = try await poller.readResponse()
                #expect(try seqs(response.events()) == [1, 2], "\(response)")
            }
            #expect(try await server.metric("livepage_parked_requests") == 0)
        }
    }
}
