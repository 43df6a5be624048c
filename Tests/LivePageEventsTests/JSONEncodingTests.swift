import LivePageEvents
import Testing

/// The encoder: compact, deterministic, safe inside a `<script>` element, and the inverse
/// of the parser.
@Suite(.timeLimit(.minutes(1)))
struct JSONEncodingTests {
    @Test func writesCompactJSONWithKeysInOrder() {
        let value: JSONValue = ["verb": "append", "n": 42, "list": [true, nil, 1.5], "empty": [:]]
        #expect(text(value) == #"{"verb":"append","n":42,"list":[true,null,1.5],"empty":{}}"#)
    }

    @Test func escapesWhatCouldCloseAScriptElement() {
        #expect(text("</script><!-- & -->") == #""\u003c/script\u003e\u003c!-- \u0026 --\u003e""#)
    }

    @Test func escapesLineAndParagraphSeparators() {
        #expect(text("a\u{2028}b\u{2029}") == #""a\u2028b\u2029""#)
        #expect(text("\u{2028}") == #""\u2028""#)
        // Neighbours of the two separators in UTF-8 stay as they are.
        #expect(text("\u{2027}\u{202A}") == "\"\u{2027}\u{202A}\"")
    }

    @Test func escapesQuotesBackslashesAndControlCharacters() {
        #expect(text("\"\\\n\r\t\u{0}\u{8}\u{C}\u{1F}\u{7F}/") == #""\"\\\n\r\t\u0000\u0008\u000c\u001f"# + "\u{7F}/\"")
    }

    /// For `application/json` answers, which no page places in a `<script>` element.
    @Test func writesPlainJSONWhenNotAskedToBeHTMLSafe() throws {
        let value: JSONValue = ["<k>": "</script> & \u{2028}\u{2029} \"\\\n\u{1}"]
        let plain = value.jsonBytes(htmlSafe: false)
        #expect(String(decoding: plain, as: UTF8.self) == #"{"<k>":"</script> & "# + "\u{2028}\u{2029}" + #" \"\\\n\u0001"}"#)
        #expect(try JSONValue(parsing: plain) == value)
        var members: [UInt8] = []
        value.objectValue?.writeMembers(to: &members, htmlSafe: false)
        #expect(String(decoding: members, as: UTF8.self) == #""<k>":"</script> & "# + "\u{2028}\u{2029}" + #" \"\\\n\u0001""#)
    }

    @Test func writesNonASCIIAsUTF8() {
        #expect(text("é€𝄞") == "\"é€𝄞\"")
    }

    @Test func escapesKeysAsWellAsValues() {
        let value: JSONValue = ["<k>": "&"]
        #expect(text(value) == #"{"\u003ck\u003e":"\u0026"}"#)
    }

    @Test(arguments: [
        #"{"a":[1,-0,2.50,1E+2,12345678901234567890,"x"],"b":{"c":null,"d":true}}"#,
        #""\u003cscript\u003e\u2028 \u0026 \"\\ \u0001""#,
        #"[{},[],"",0]"#,
    ])
    func roundTripsThroughTheParser(text original: String) throws {
        let value = try JSONValue(parsing: original)
        let encoded = value.jsonBytes()
        #expect(try JSONValue(parsing: encoded) == value)
        #expect(encoded.elementsEqual(original.utf8))
    }

    @Test func roundTripsEveryKindOfString() throws {
        let strings = ["", "plain", "<img src=x onerror=alert(1)>", "\u{0}\u{1}\u{1F}", "a\u{2028}\u{2029}b", "é€𝄞", "\\\"/"]
        for string in strings {
            let encoded = JSONValue.string(string).jsonBytes()
            #expect(try JSONValue(parsing: encoded) == .string(string))
            #expect(!encoded.contains(UInt8(ascii: "<")) && !encoded.contains(UInt8(ascii: ">")))
            #expect(!encoded.contains(UInt8(ascii: "&")))
        }
    }

    @Test func numbersFromSwiftAreValidJSON() throws {
        #expect(JSONNumber(42).literal == "42")
        #expect(JSONNumber(-7).literal == "-7")
        #expect(JSONNumber(3.0).literal == "3")
        #expect(JSONNumber(0.5).literal == "0.5")
        #expect(JSONNumber(Double.nan).literal == "0")
        #expect(JSONNumber(Double.infinity).literal == "0")
        for number in [JSONNumber(1e300), JSONNumber(-2.5e-8), JSONNumber(123_456.789)] {
            #expect(try JSONValue(parsing: number.literal) == .number(number))
        }
        #expect(JSONNumber(12).intValue == 12)
    }

    @Test func objectsWriteTheirMembersForACallerToExtend() {
        let object: JSONObject = ["verb": "text", "text": "<b>"]
        var bytes = Array(#"{"seq":7,"#.utf8)
        object.writeMembers(to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"seq":7,"verb":"text","text":"\u003cb\u003e"}"#)
        #expect(String(decoding: object.jsonBytes(), as: UTF8.self) == #"{"verb":"text","text":"\u003cb\u003e"}"#)
    }

    @Test func anObjectKeepsOrderWhenKeysAreSetAndRemoved() {
        var object: JSONObject = ["b": 1, "a": 2]
        object["c"] = 3
        object["b"] = 4
        #expect(object.keys == ["b", "a", "c"])
        object["b"] = nil
        object["b"] = 5
        #expect(object.keys == ["a", "c", "b"])
        #expect(object.map(\.key) == ["a", "c", "b"])
        #expect(text(.object(object)) == #"{"a":2,"c":3,"b":5}"#)
    }

    private func text(_ value: JSONValue) -> String {
        String(decoding: value.jsonBytes(), as: UTF8.self)
    }
}
