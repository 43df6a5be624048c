import Testing

@testable import LivePageHTTP

/// The field list that holds its first field inline.
@Suite("Header field list", .timeLimit(.minutes(1)))
struct HeaderFieldListTests {
    typealias Field = HTTPHeaders.Field

    @Test("Appends, removes and replaces in order, across the inline first field", .timeLimit(.minutes(1)))
    func order() {
        var list = HTTPHeaders.FieldList()
        #expect(list.isEmpty)
        for name in ["A", "B", "C"] { list.append(Field(name: name, value: name.lowercased())) }
        #expect(list.map(\.name) == ["A", "B", "C"])
        list.remove(at: 0)
        #expect(list.map(\.name) == ["B", "C"])
        list[1] = Field(name: "D", value: "d")
        #expect(list.map(\.name) == ["B", "D"])
        list.removeAll { $0.name == "B" }
        #expect(list.map(\.name) == ["D"])
        list.remove(at: 0)
        #expect(list.isEmpty)
        #expect(list == HTTPHeaders.FieldList())
        #expect(HTTPHeaders.FieldList([Field(name: "X", value: "1")]) != list)
    }

    @Test("Headers with one field behave as with several", .timeLimit(.minutes(1)))
    func headersOfOneField() {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "a")
        #expect(headers["host"] == "a")
        #expect(headers.count == 1)
        headers["Host"] = "b"
        #expect(headers.map(\.value) == ["b"])
        headers["Host"] = nil
        #expect(headers.isEmpty)
        #expect(headers == [:])
    }
}
