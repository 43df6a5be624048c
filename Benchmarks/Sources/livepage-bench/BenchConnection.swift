/// One keep-alive connection of the load: a subscriber (a LivePage client or an Nchan
/// subscriber that long-polls, or an idle connection) or a publisher.
///
/// Owned by the `LoadGenerator`'s one thread; the generator holds every connection in
/// one table and finds them from epoll tokens by slot and generation.
final class BenchConnection {
    enum Role {
        case subscriber
        case publisher
    }

    enum State {
        /// Not yet started.
        case fresh
        /// `POST {prefix}/clients` written, the `201` awaited.
        case registering
        /// An output request written or parked.
        case polling
        /// Idle scenario: its one request written, the answer awaited.
        case probing
        /// Idle scenario: answered, now held open and silent.
        case idle
        /// Waiting to retry after a failure.
        case waiting
        /// Gave up after too many failures.
        case dead
    }

    /// The slot in the generator's table (the low half of the epoll token).
    let slot: Int
    let role: Role
    /// Client i (`bench-<i>`) or publisher j.
    let number: Int

    var fd: Int32 = -1
    /// Bumped at every close, so events for an earlier descriptor are ignored.
    var generation: UInt32 = 0
    var state: State = .fresh
    var connected = false
    /// A request is written and its answer not yet read.
    var outstanding = false
    /// Close once the answer being read is handled (`Connection: close`).
    var closeAfterResponse = false
    var failures = 0
    /// Counted as parked (its first output request was written).
    var countedParked = false
    var queuedForRetry = false

    /// Bytes received that do not yet make a whole response.
    var partial: ByteBuffer?
    /// Bytes to send, from `outboundOffset`.
    var outbound: [UInt8] = []
    var outboundOffset = 0

    // A subscriber.

    /// The client id's bytes, empty until registered.
    var clientID: [UInt8] = []
    /// `GET {prefix}/clients/{id}/output?after=`, made at registration.
    var pollRequestStart: [UInt8] = []
    /// The highest seq received: the next poll's `after`.
    var after: UInt64 = 0
    /// The seq of the last event received, for the order check.
    var lastSeq: UInt64 = 0
    /// The index of the last message received, for the order check (-1: none).
    var lastMessage = -1
    /// Which messages this client has received, one bit per message index.
    var received: [UInt64] = []
    /// Nchan: the `Last-Modified` and `Etag` of the last answer with messages, sent back
    /// as `If-Modified-Since` and `If-None-Match`; empty before the first.
    var lastModified: [UInt8] = []
    var etag: [UInt8] = []

    // A publisher.

    /// The message index of the publish in flight, or -1.
    var publishing = -1

    init(slot: Int, role: Role, number: Int) {
        self.slot = slot
        self.role = role
        self.number = number
    }

    /// The epoll token of the current descriptor.
    var token: UInt64 { UInt64(generation) << 32 | UInt64(UInt32(slot)) }

    /// Whether message `index` was received already; marks it received.
    @inline(__always)
    func markReceived(_ index: Int) -> Bool {
        let word = index >> 6
        if word >= received.count {
            received.append(contentsOf: repeatElement(0, count: max(word + 1 - received.count, received.count, 4)))
        }
        let bit = UInt64(1) << UInt64(index & 63)
        if received[word] & bit != 0 { return true }
        received[word] |= bit
        return false
    }
}
