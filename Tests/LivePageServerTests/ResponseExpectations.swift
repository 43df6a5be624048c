import LivePageEvents
import LivePageTestSupport
import Testing

extension TestHTTPResponse {
    /// The body as a JSON object.
    func json(sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONObject {
        let value = try JSONValue(parsing: body)
        return try #require(value.objectValue, "not a JSON object: \(self)", sourceLocation: sourceLocation)
    }

    /// The `events` of an output answer.
    func events(sourceLocation: SourceLocation = #_sourceLocation) throws -> [JSONObject] {
        let events = try #require(try json()["events"]?.arrayValue, "no events: \(self)", sourceLocation: sourceLocation)
        return try events.map { try #require($0.objectValue, sourceLocation: sourceLocation) }
    }

    /// The `error` of an error answer, or `nil`.
    var errorMessage: String? {
        (try? JSONValue(parsing: body))?.objectValue?["error"]?.stringValue
    }
}

extension JSONObject {
    /// The integer in `key`, or `nil`.
    func int(_ key: String) -> Int? {
        guard case .number(let number)? = self[key] else { return nil }
        return number.intValue
    }

    /// The string in `key`, or `nil`.
    func string(_ key: String) -> String? { self[key]?.stringValue }

    /// The strings in the array `key`, or `nil`.
    func strings(_ key: String) -> [String]? { self[key]?.arrayValue?.map { $0.stringValue ?? "?" } }

    /// The object without `key`, such as an event without its `seq`.
    func removing(_ key: String) -> JSONObject {
        var copy = self
        copy[key] = nil
        return copy
    }
}

/// The `seq` of each event.
func seqs(_ events: [JSONObject]) -> [Int] {
    events.map { $0.int("seq") ?? -1 }
}

/// Expects `response` to be the error PROTOCOL.md describes: `status`, an
/// `application/json` body `{"error": "<sentence>"}` mentioning each of `words`, `reason`
/// when given, the headers every answer carries, and none of `secrets` (client ids) in the
/// body.
func expectError(
    _ response: TestHTTPResponse,
    _ status: Int,
    mentioning words: [String] = [],
    reason: String? = nil,
    hiding secrets: [String] = [],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, "\(response)", sourceLocation: sourceLocation)
    #expect(response.header("Content-Type")?.hasPrefix("application/json") == true, "\(response)", sourceLocation: sourceLocation)
    #expect(response.header("X-Content-Type-Options") == "nosniff", "\(response)", sourceLocation: sourceLocation)
    let message = response.errorMessage ?? ""
    #expect(!message.isEmpty, "no error sentence: \(response)", sourceLocation: sourceLocation)
    for word in words {
        #expect(message.contains(word), "\(message.debugDescription) does not mention \(word.debugDescription)", sourceLocation: sourceLocation)
    }
    if let reason {
        let given = (try? JSONValue(parsing: response.body))?.objectValue?["reason"]?.stringValue
        #expect(given == reason, "\(response)", sourceLocation: sourceLocation)
    }
    for secret in secrets {
        #expect(!response.text.contains(secret), "the body repeats a secret: \(response.text)", sourceLocation: sourceLocation)
    }
}

/// Expects the headers of every LivePage API answer: `Cache-Control: no-store`,
/// `X-Accel-Buffering: no` and `X-Content-Type-Options: nosniff`.
func expectAPIHeaders(_ response: TestHTTPResponse, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.header("Cache-Control") == "no-store", "\(response)", sourceLocation: sourceLocation)
    #expect(response.header("X-Accel-Buffering") == "no", "\(response)", sourceLocation: sourceLocation)
    #expect(response.header("X-Content-Type-Options") == "nosniff", "\(response)", sourceLocation: sourceLocation)
}

/// A well-formed client id that no server issued.
let unknownClientID = "0b6e8f54-2f5c-4c1e-9a57-3d2e1f0a9b8c"
