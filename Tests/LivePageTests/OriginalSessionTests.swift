import LivePage
import LivePageEvents
import Testing

/// The session the original LivePage was first shown with, step by step: two members
/// open a page at one location, the server appends to one of them, then one of them
/// types into the page and both see it.
@Suite(.timeLimit(.minutes(1)))
struct OriginalSessionTests {
    @Test func theOriginalSession() async throws {
        let harness = Harness()
        let manager = harness.manager

        // Two principals open a page at one location.
        let uweRegistration = try manager.register(at: "/zorg/live", principal: "zorg.member.uwe")
        let dominikRegistration = try manager.register(at: "/zorg/live", principal: "zorg.member.dominik")
        let uwe = uweRegistration.client.id
        let dominik = dominikRegistration.client.id
        #expect(uweRegistration.refresh == 25)
        #expect(uweRegistration.after == 0)
        #expect(uwe != dominik)

        // Who is online lists both, sorted.
        let online = manager.online(at: "/zorg/live")
        #expect(online.principals == ["zorg.member.dominik", "zorg.member.uwe"])
        #expect(online.count == 2)
        #expect(online.anonymous == 0)

        // The first output is idle: it parks, and is answered empty after the hold time.
        let first = try harness.poll(uwe, after: 0)
        #expect(first.isParked)
        harness.advance(by: .seconds(25))
        #expect(first.waiterAnswers == ["idle"])
        #expect(first.batch?.jsonText == #"{"events":[]}"#)

        // An append made on the server and sent to the first client is its next output.
        let second = try harness.poll(uwe, after: 0)
        #expect(second.isParked)
        let delivered42 = try await manager.send(Append(id: "target", html: "<p>42</p>"), to: .client(uwe))
        #expect(delivered42 == 1)
        #expect(second.batch?.seqs == [1])
        #expect(second.batch?.textForms == ["append target\n<p>42</p>"])
        #expect(second.batch?.objects == [["seq": 1, "verb": "append", "id": "target", "html": "<p>42</p>"]])
        #expect(second.batch?.jsonText == #"{"events":[{"seq":1,"verb":"append","id":"target","html":"<p>42</p>"}]}"#)

        // Again with 43, acknowledging the first.
        let third = try harness.poll(uwe, after: 1)
        #expect(third.isParked)
        #expect(try await manager.send(Append(id: "target", html: "<p>43</p>"), to: .client(uwe)) == 1)
        #expect(third.batch?.seqs == [2])
        #expect(third.batch?.textForms == ["append target\n<p>43</p>"])

        // The second client has been told nothing so far.
        let dominikPoll = try harness.poll(dominik, after: 0)
        #expect(dominikPoll.isParked)

        // Input from a client reaches both, escaped, from its sender.
        let uwePoll = try harness.poll(uwe, after: 2)
        let fields = try EventFields(form: [("verb", "append"), ("id", "target"), ("html", "<p>44</p>")])
        #expect(try await manager.input(from: dominik, fields: fields) == 2)
        let expected: JSONObject = [
            "verb": "append", "id": "target", "html": "&lt;p&gt;44&lt;/p&gt;", "from": "zorg.member.dominik",
        ]
        #expect(uwePoll.batch?.seqs == [3])
        #expect(uwePoll.batch?.items.first?.event.json(seq: 3) == expected.delivered(seq: 3))
        #expect(dominikPoll.batch?.seqs == [1])
        #expect(dominikPoll.batch?.objects == [expected.delivered(seq: 1)])
        #expect(dominikPoll.batch?.textForms == ["append target\n&lt;p&gt;44&lt;/p&gt;"])

        // Both are still online, nobody is parked, and every event was delivered once.
        #expect(manager.online(at: "/zorg/live").principals == ["zorg.member.dominik", "zorg.member.uwe"])
        #expect(manager.metrics.parkedPolls == 0)
        #expect(manager.metrics.eventsQueued == 4)
    }
}
