/// The `LivePage-Signature` header of every webhook call:
/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the webhook secret>`.
///
/// The backend recomputes the code over the exact body bytes it received, compares in
/// constant time, and refuses a `t` more than 5 minutes old, so that a recorded call
/// cannot be replayed later (`python/livepage` does all three).
public enum WebhookSignature {
    /// The header's name.
    public static let headerName = "LivePage-Signature"

    /// The header value for `body` sent at `time` (Unix seconds), signed with `secret`.
    public static func header(for body: [UInt8], at time: Int, secret: [UInt8]) -> String {
        var message = Array("\(time).".utf8)
        message.append(contentsOf: body)
        let code = HMAC.authenticationCode(for: message, key: secret)
        return "t=\(time),v1=" + hex(code)
    }

    /// Lowercase hexadecimal.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
