extension HTTPStatus {
    /// `422 Unprocessable Content`: the request was understood and refused (an
    /// application's backend refused a page's input).
    public static let unprocessableContent = HTTPStatus(code: 422)
    /// `502 Bad Gateway`: a server this one relies on answered unusably, or not at all.
    public static let badGateway = HTTPStatus(code: 502)
    /// `504 Gateway Timeout`: a server this one relies on did not answer in time.
    public static let gatewayTimeout = HTTPStatus(code: 504)
}
