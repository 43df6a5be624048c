import Testing

@testable import LivePageHTTP

@Suite("Headers, statuses, responses and their encoding", .timeLimit(.minutes(1)))
struct HTTPTypesTests {
    @Test("Headers keep order and duplicates, and look names up case-insensitively", .timeLimit(.minutes(1)))
    func headers() {
        var headers: HTTPHeaders = ["Set-Cookie": "a=1", "Content-Type": "text/plain"]
        headers.add(name: "set-cookie", value: "b=2")
        #expect(headers["SET-COOKIE"] == "a=1")
        #expect(headers.values(for: "Set-Cookie") == ["a=1", "b=2"])
        #expect(headers.map(\.name) == ["Set-Cookie", "Content-Type", "set-cookie"])
        headers.replaceOrAdd(name: "Set-Cookie", value: "c=3")
        #expect(headers.values(for: "set-cookie") == ["c=3"])
        #expect(headers.map(\.name) == ["Set-Cookie", "Content-Type"])
        headers["content-type"] = nil
        #expect(!headers.contains(name: "Content-Type"))
        headers["X-New"] = "1"
        #expect(headers.count == 2)
        #expect(headers.containsToken("close", inFieldsNamed: "Connection") == false)
        headers.add(name: "Connection", value: "Upgrade, Close")
        #expect(headers.containsToken("close", inFieldsNamed: "connection"))
    }

    @Test("Statuses compare by code and know their phrases", .timeLimit(.minutes(1)))
    func statuses() {
        #expect(HTTPStatus(code: 404, reasonPhrase: "Gone Away") == .notFound)
        #expect(HTTPStatus.payloadTooLarge.code == 413)
        #expect(HTTPStatus.uriTooLong.reasonPhrase == "URI Too Long")
        #expect(HTTPStatus.requestHeaderFieldsTooLarge.code == 431)
        #expect(HTTPStatus(code: 299).reasonPhrase == "")
    }

    @Test("Each implemented method is recognised by its exact spelling, and nothing else is", .timeLimit(.minutes(1)))
    func implementedMethods() {
        func match(_ text: String) -> HTTPMethod? {
            Array(text.utf8).withUnsafeBytes { HTTPMethod.implemented(matching: $0) }
        }
        for method in HTTPMethod.implemented {
            #expect(match(method.rawValue) == method)
            #expect(match(method.rawValue.lowercased()) == nil)
            #expect(match(method.rawValue + "X") == nil)
            #expect(match(String(method.rawValue.dropLast())) == nil)
        }
        for other in ["", "BREW", "TRACE", "CONNECT", "GOT", "PUSH", "HEAT", "OPTION"] {
            #expect(match(other) == nil, "\(other)")
        }
    }

    @Test("Methods are equal when their tokens are, case included", .timeLimit(.minutes(1)))
    func methodEquality() {
        #expect(HTTPMethod(rawValue: "GET") == .get)
        #expect(HTTPMethod(rawValue: "BREW") == HTTPMethod(rawValue: "BREW"))
        #expect(HTTPMethod.get != .head)
        #expect(HTTPMethod.get != .put)
        #expect(HTTPMethod(rawValue: "get") != .get)
        #expect(HTTPMethod(rawValue: "GETS") != .get)
        #expect(Set([HTTPMethod.get, HTTPMethod(rawValue: "GET"), .head]).count == 2)
    }

    @Test("jsonError escapes its message", .timeLimit(.minutes(1)))
    func jsonError() {
        let response = HTTPResponse.jsonError(.badRequest, "Bad \"verb\"\n\\ \u{1}")
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"error":"Bad \"verb\"\n\\ \u0001"}"#)
    }

    @Test("Request heads split path and query", .timeLimit(.minutes(1)))
    func heads() {
        let head = HTTPRequestHead(method: .get, target: "/a/b?c=d?e")
        #expect(head.path == "/a/b")
        #expect(head.query == "c=d?e")
        #expect(HTTPRequestHead(method: .get, target: "/x").query == nil)
        #expect(HTTPRequestHead(method: .get, target: "/x?").query == "")
    }

    @Test("The Date header is an IMF-fixdate", .timeLimit(.minutes(1)))
    func date() {
        #expect(HTTPDateCache.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    func encode(_ response: HTTPResponse, head: Bool = false, http10: Bool = false, closing: Bool = false) -> String {
        let encoder = HTTPResponseEncoder(
            defaultHeaders: ["X-Content-Type-Options": "nosniff", "Server": "t"], log: { _ in })
        let bytes = encoder.encode(
            response, context: .init(isHead: head, isHTTP10: http10, closing: closing), date: Array("Date: D\r\n".utf8))
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("The encoder owns framing: Content-Length, Connection, Date and default headers", .timeLimit(.minutes(1)))
    func encoding() {
        let response = HTTPResponse(
            status: .ok, headers: ["Content-Length": "999", "Transfer-Encoding": "chunked", "Server": "mine"],
            body: Array("hi".utf8))
        #expect(
            encode(response)
                == "HTTP/1.1 200 OK\r\nServer: mine\r\nX-Content-Type-Options: nosniff\r\nDate: D\r\nContent-Length: 2\r\n\r\nhi"
        )
        #expect(encode(response, closing: true).contains("Connection: close\r\n"))
        #expect(encode(response, http10: true).contains("Connection: keep-alive\r\n"))
        #expect(encode(response, head: true).hasSuffix("Content-Length: 2\r\n\r\n"))
    }

    @Test("Prepared headers encode exactly as the same headers unprepared", .timeLimit(.minutes(1)))
    func preparedHeaders() {
        let headers: HTTPHeaders = ["Content-Type": "application/json", "server": "mine", "Date": "Mon"]
        let prepared = headers.prepared()
        #expect(prepared.wire != nil)
        #expect(prepared == headers)
        for (head, http10, closing) in [(false, false, false), (true, false, false), (false, true, false), (false, false, true)] {
            let plain = encode(HTTPResponse(status: .ok, headers: headers, body: Array("hi".utf8)), head: head, http10: http10, closing: closing)
            let fast = encode(HTTPResponse(status: .ok, headers: prepared, body: Array("hi".utf8)), head: head, http10: http10, closing: closing)
            #expect(fast == plain)
        }
        var changed = prepared
        changed.add(name: "X-Extra", value: "1")
        #expect(changed.wire == nil, "a change drops the encoding")
        #expect(encode(HTTPResponse(status: .ok, headers: changed)).contains("X-Extra: 1\r\n"))
    }

    @Test("Headers the engine owns, or invalid ones, are not prepared", .timeLimit(.minutes(1)))
    func unpreparable() {
        #expect(HTTPHeaders([("Content-Length", "5")]).prepared().wire == nil)
        #expect(HTTPHeaders([("connection", "close")]).prepared().wire == nil)
        #expect(HTTPHeaders([("X-Bad", "a\r\nInjected: yes")]).prepared().wire == nil)
        #expect(!encode(HTTPResponse(status: .ok, headers: HTTPHeaders([("X-Bad", "a\r\nInjected: yes")]).prepared())).contains("Injected"))
    }

    @Test("204 and 304 carry no body; 204 no Content-Length", .timeLimit(.minutes(1)))
    func bodiless() {
        let noContent = encode(HTTPResponse(status: .noContent, body: Array("x".utf8)))
        #expect(!noContent.contains("Content-Length"))
        #expect(noContent.hasSuffix("\r\n\r\n"))
        #expect(encode(HTTPResponse(status: .notModified, body: Array("x".utf8))).hasSuffix("\r\n\r\n"))
    }

    @Test("Header fields that would split the response are dropped", .timeLimit(.minutes(1)))
    func injection() {
        let encoded = encode(HTTPResponse(headers: ["X-Evil": "a\r\nSet-Cookie: b", "Bad Name": "c", "X-Fine": "d"]))
        #expect(!encoded.contains("Set-Cookie"))
        #expect(!encoded.contains("Bad Name"))
        #expect(encoded.contains("X-Fine: d\r\n"))
    }
}
