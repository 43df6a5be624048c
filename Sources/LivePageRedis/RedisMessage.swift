/// A message published on a channel, as a `RedisSubscriber` delivers it.
public struct RedisMessage: Sendable, Hashable {
    /// The channel it was published on.
    public var channel: String
    /// The bytes published, exactly as given to `PUBLISH`.
    public var payload: [UInt8]

    /// A message on `channel` carrying `payload`.
    public init(channel: String, payload: [UInt8]) {
        self.channel = channel
        self.payload = payload
    }
}
