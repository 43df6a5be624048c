import Testing

@testable import LivePageHTTP

/// The client's response decoder, fed bytes: framing, keep-alive, limits and refusals.
@Suite(.timeLimit(.minutes(1))) struct HTTPResponseDecoderTests {
    private func decode(_ text: String, byteByByte: Bool = false, decoder: HTTPResponseDecoder = HTTPResponseDecoder())
        throws(HTTPClientError) -> (HTTPResponseDecoder.Outcome, HTTPResponseDecoder)
    {
        var decoder = decoder
        let bytes = Array(text.utf8)
        var outcome = HTTPResponseDecoder.Outcome.needMore
        if byteByByte {
            for byte in bytes { outcome = try decoder.receive([byte]) }
        } else {
            outcome = try decoder.receive(bytes)
        }
        return (outcome, decoder)
    }

    @Test(arguments: [false, true])
    func readsAContentLengthBodyWhetherItComesWholeOrAByteAtATime(byteByByte: Bool) throws {
        let (outcome, decoder) = try decode(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"events\":1}", byteByByte: byteByByte)
        #expect(outcome == .complete(status: 200, keepAlive: true))
        #expect(String(decoding: decoder.response.body, as: UTF8.self) == #"{"events":1}"#)
        #expect(decoder.response.headers["content-type"] == "application/json")
    }

    @Test(arguments: [false, true])
    func readsAChunkedBodyWithExtensionsAndTrailers(byteByByte: Bool) throws {
        let (outcome, decoder) = try decode(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n",
            byteByByte: byteByByte)
        #expect(outcome == .complete(status: 200, keepAlive: true))
        #expect(String(decoding: decoder.response.body, as: UTF8.self) == "hello world")
    }

    @Test func aBodyWithoutLengthEndsWithTheConnectionAndIsNotKeptAlive() throws {
        var (outcome, decoder) = try decode("HTTP/1.1 200 OK\r\n\r\npart one, ")
        #expect(outcome == .needMore)
        outcome = try decoder.receive(Array("part two".utf8))
        #expect(outcome == .needMore)
        #expect(try decoder.endOfStream() == .complete(status: 200, keepAlive: false))
        #expect(String(decoding: decoder.response.body, as: UTF8.self) == "part one, part two")
    }

    @Test func noContentHasNoBodyAndAnInterimAnswerIsSkipped() throws {
        let (outcome, decoder) = try decode("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n")
        #expect(outcome == .complete(status: 204, keepAlive: true))
        #expect(decoder.response.body.isEmpty)
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false),
        ("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false),
        ("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true),
        // Bytes beyond the answer: nothing was pipelined, so the connection is not reused.
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", false),
    ])
    func keepsAliveOnlyWhenTheAnswerAllows(text: String, keepAlive: Bool) throws {
        let (outcome, _) = try decode(text)
        #expect(outcome == .complete(status: 200, keepAlive: keepAlive))
    }

    @Test(arguments: [
        "SMTP ready\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/2.0 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX",
    ])
    func refusesWhatIsNotAnHTTPResponse(text: String) {
        #expect(throws: HTTPClientError.self) { _ = try decode(text) }
    }

    @Test func refusesAHeadOrBodyOverItsLimit() {
        let small = HTTPResponseDecoder(maximumHeadSize: 64, maximumBodySize: 8)
        #expect(throws: HTTPClientError.responseTooLarge(limit: 64)) {
            _ = try decode("HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 100), decoder: small)
        }
        #expect(throws: HTTPClientError.responseTooLarge(limit: 8)) {
            _ = try decode("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", decoder: small)
        }
        #expect(throws: HTTPClientError.responseTooLarge(limit: 8)) {
            _ = try decode("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\n", decoder: small)
        }
        #expect(throws: HTTPClientError.responseTooLarge(limit: 8)) {
            _ = try decode("HTTP/1.1 200 OK\r\n\r\n123456789", decoder: small)
        }
    }

    @Test func aConnectionClosedMidAnswerIsAnError() throws {
        var (_, decoder) = try decode("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
        #expect(throws: HTTPClientError.connectionClosed) { _ = try decoder.endOfStream() }
    }
}
