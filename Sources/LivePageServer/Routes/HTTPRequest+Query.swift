public import LivePageHTTP

extension HTTPRequest {
    /// The value of the query parameter `name`, percent-decoded and with `+` read as a
    /// space (as a browser's form sends it): `?name=Zo%C3%AB+M` gives `Zoë M`. `nil` when
    /// the parameter is missing or its encoding is malformed (a stray `%`, invalid UTF-8).
    ///
    /// For an application's own pages, such as the handler of a ``LivePageServer`` that
    /// renders a page with the visitor's name.
    public func queryParameter(_ name: String) -> String? {
        try? FormDecoder.queryValue(name, in: query)
    }
}
