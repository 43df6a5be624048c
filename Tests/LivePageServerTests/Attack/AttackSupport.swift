import Glibc
import LivePageEvents
import LivePageTestSupport
import Testing

// Helpers shared by the attack suites: each attack is made over a real socket against the
// real `livepage-server` process, and the server must answer it cleanly and keep serving.

extension LiveServer {
    /// Expects `GET /livepage/health` on a new connection to be `200 ok`: the server
    /// survived `attack` and still serves everyone else.
    func expectHealthy(after attack: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let response = try request("GET", "\(prefix)/health")
        #expect(response.status == 200 && response.text == "ok", "after \(attack): \(response)", sourceLocation: sourceLocation)
    }

    /// Sends `bytes` as they are on a new connection and reads the one answer.
    /// - Returns: The connection, for what follows the answer, and the answer.
    func sendRaw(_ bytes: [UInt8]) throws -> (connection: TestHTTPClient, response: TestHTTPResponse) {
        let connection = try connect()
        do {
            try connection.send(bytes)
        } catch let error as TestHTTPClientError where error.kind == .system(call: "send", errno: EPIPE) || error.kind == .system(call: "send", errno: ECONNRESET) {
            // The server answered and closed before taking every byte; read its answer.
        }
        return (connection, try connection.readResponse())
    }

    /// `POST /clients` with the JSON of `fields`, built by the JSON encoder so that any
    /// string (a token with spaces, a hostile name) is sent exactly.
    func register(fields: JSONObject) throws -> TestHTTPResponse {
        try register(attackJSON(fields))
    }
}

/// `object` as JSON text, with `<`, `>` and `&` sent as they are (not as `\u003c`), the way
/// a hostile client would send them.
func attackJSON(_ object: JSONObject) -> String {
    String(decoding: JSONValue.object(object).jsonBytes(htmlSafe: false), as: UTF8.self)
}

/// `text` percent-encoded for a form or a query: every byte but `A-Z a-z 0-9 - . _ ~`.
func formEncoded(_ text: String) -> String {
    var encoded = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            encoded.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = String(byte, radix: 16, uppercase: true)
            encoded += "%" + (hex.count == 1 ? "0" : "") + hex
        }
    }
    return encoded
}

/// Expects `connection` to have been refused: after the one answer already read, the
/// server closes it, and nothing else arrives (a request smuggled behind the refused
/// one is never answered).
func expectClosedWithNothingMore(_ connection: TestHTTPClient, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(try connection.waitForClose(), "\(what): the connection stayed open", sourceLocation: sourceLocation)
    do {
        let extra = try connection.readResponse(timeout: .seconds(5))
        Issue.record("\(what): a second answer arrived after the refusal: \(extra)", sourceLocation: sourceLocation)
    } catch let error as TestHTTPClientError {
        #expect(error.kind == .closed, "\(what): \(error)", sourceLocation: sourceLocation)
    }
}

/// Hostile HTML a visitor might type, and what a page must receive instead: the same
/// characters, escaped once, so that it shows them as text.
let hostileHTML: [(sent: String, escaped: String)] = [
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    (#""><svg onload=alert(1)>"#, "&quot;&gt;&lt;svg onload=alert(1)&gt;"),
    ("'><iframe srcdoc='<script>alert(1)</script>'>", "&#39;&gt;&lt;iframe srcdoc=&#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39;&gt;"),
    ("&lt;b&gt;already escaped&lt;/b&gt;", "&amp;lt;b&amp;gt;already escaped&amp;lt;/b&amp;gt;"),
    ("<a href=\"javascript:alert(1)\">x</a>", "&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;"),
]

/// How many times `needle` occurs in `text`, without overlaps.
func occurrences(of needle: String, in text: String) -> Int {
    text.ranges(of: needle).count
}
