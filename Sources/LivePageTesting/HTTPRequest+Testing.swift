public import LivePageHTTP

extension HTTPRequest {
    /// A request as a client would send it to a ``LivePageTestServer``.
    /// - Parameters:
    ///   - method: The method, such as `.get`.
    ///   - target: The request target, such as `/livepage/clients/<id>/output?after=0`.
    ///   - headers: The header fields.
    ///   - body: The body bytes.
    public init(_ method: HTTPMethod, _ target: String, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.init(head: HTTPRequestHead(method: method, target: target, headers: headers), body: body, remoteAddress: "127.0.0.1:1")
    }

    /// A request with a JSON body, sent as `application/json`.
    /// - Parameters:
    ///   - method: The method, usually `.post`.
    ///   - target: The request target, such as `/livepage/clients`.
    ///   - json: The body, JSON text.
    ///   - headers: Further header fields.
    public init(_ method: HTTPMethod, _ target: String, json: String, headers: HTTPHeaders = [:]) {
        var headers = headers
        headers.add(name: "Content-Type", value: "application/json")
        self.init(method, target, headers: headers, body: Array(json.utf8))
    }
}
