import LivePageHTTP

/// A file from `Resources/`, compiled into the binary, served with an `ETag` so that a
/// browser revalidates it cheaply (`304`) and always gets the version the server speaks.
struct StaticAsset: Sendable {
    let body: [UInt8]
    let contentType: String
    let etag: String

    /// The embedded file `name`; a missing one is a build error, caught by the tests.
    init(named name: String, contentType: String) {
        let text = EmbeddedResources.files[name] ?? ""
        self.body = Array(text.utf8)
        self.contentType = contentType
        let digest = SHA256.hash(body).prefix(12)
        self.etag = "\"" + digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + "\""
    }

    /// `200` with the file, or `304` when `If-None-Match` names its `ETag`.
    func response(to request: HTTPRequest) -> HTTPResponse {
        var headers: HTTPHeaders = [
            "Content-Type": contentType,
            "ETag": etag,
            "Cache-Control": "no-cache",
        ]
        if let candidates = request.headers["If-None-Match"], matches(candidates) {
            headers.remove(name: "Content-Type")
            return HTTPResponse(status: .notModified, headers: headers)
        }
        return HTTPResponse(status: .ok, headers: headers, body: body)
    }

    /// Whether an `If-None-Match` list names this file's tag (weak tags included, `*` too).
    private func matches(_ candidates: String) -> Bool {
        candidates.split(separator: ",").contains { candidate in
            var tag = Substring(candidate).drop { $0 == " " }
            while tag.last == " " { tag = tag.dropLast() }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            return tag == "*" || tag == etag
        }
    }
}
