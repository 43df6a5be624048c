/// The accounting of every (client, message) pair, plus the order of each client's
/// events.
///
/// - A publish answered 2xx makes its message *expected* by every client; `lost` is the
///   expected pairs never seen by the end.
/// - A pair seen twice counts under `duplicated`; a stamp never published under `foreign`.
/// - `outOfOrder`: an event whose seq is not above the previous one of its client, or
///   (with one publisher, whose publishes the server sees in order) a message older than
///   one the client already has. `seqGaps`: seqs skipped between a client's events.
struct DeliveryLedger {
    private struct MessageState: OptionSet {
        let rawValue: UInt8
        static let published = MessageState(rawValue: 1)
        static let failed = MessageState(rawValue: 2)
        static let released = MessageState(rawValue: 4)
    }

    /// Clients every message goes to.
    let clients: Int
    /// Whether publish order is delivery order (one publisher connection).
    let checksMessageOrder: Bool

    /// Publish stamps, strictly increasing, by message index.
    private(set) var stamps: [UInt64] = []
    private var receivedBy: [UInt32] = []
    private var states: [MessageState] = []

    /// Messages published but neither delivered to every client nor failed.
    private(set) var inFlight = 0
    private(set) var published = 0
    private(set) var publishFailures = 0
    private(set) var delivered: UInt64 = 0
    private(set) var duplicated: UInt64 = 0
    private(set) var foreign: UInt64 = 0
    private(set) var outOfOrder: UInt64 = 0
    private(set) var seqGaps: UInt64 = 0
    private(set) var firstPublish: UInt64 = 0
    private(set) var lastPublish: UInt64 = 0
    private(set) var lastDelivery: UInt64 = 0
    private(set) var latency = LatencyHistogram()

    init(clients: Int, checksMessageOrder: Bool) {
        self.clients = clients
        self.checksMessageOrder = checksMessageOrder
    }

    /// Messages stamped so far.
    var count: Int { stamps.count }

    /// Stamps a new message with the monotonic clock (strictly after the previous one).
    /// - Returns: Its index and stamp.
    mutating func stampMessage() -> (index: Int, stamp: UInt64) {
        var stamp = System.now()
        if let last = stamps.last, stamp <= last { stamp = last + 1 }
        stamps.append(stamp)
        receivedBy.append(0)
        states.append([])
        inFlight += 1
        if firstPublish == 0 { firstPublish = stamp }
        lastPublish = stamp
        return (stamps.count - 1, stamp)
    }

    /// Records the publish's answer: 2xx makes the message expected; anything else
    /// (or a lost connection) fails it, and it is not counted as expected.
    mutating func settlePublish(_ index: Int, succeeded: Bool) {
        if succeeded {
            states[index].insert(.published)
            published += 1
        } else {
            states[index].insert(.failed)
            publishFailures += 1
            release(index)
        }
    }

    /// Records one event a client received.
    /// - Parameters:
    ///   - seq: Its seq, if it had one.
    ///   - stamp: The `t=` stamp in it, or nil for an event that carried none.
    ///   - firstOfEvent: Whether this is the event's first stamp (its order is checked once).
    mutating func record(
        _ client: BenchConnection, seq: UInt64?, stamp: UInt64?, firstOfEvent: Bool, now: UInt64
    ) {
        var index: Int?
        if let stamp {
            guard let found = self.index(of: stamp) else {
                foreign += 1
                return
            }
            if client.markReceived(found) {
                duplicated += 1
                return
            }
            index = found
        }
        if firstOfEvent, let seq {
            if seq <= client.lastSeq {
                outOfOrder += 1
            } else {
                seqGaps += seq - client.lastSeq - 1
                client.lastSeq = seq
            }
        }
        guard let index, let stamp else { return }
        if checksMessageOrder, index < client.lastMessage { outOfOrder += 1 }
        client.lastMessage = max(client.lastMessage, index)
        receivedBy[index] += 1
        delivered += 1
        latency.record(nanoseconds: now > stamp ? now - stamp : 0)
        lastDelivery = now
        if receivedBy[index] >= UInt32(clients) { release(index) }
    }

    /// Expected pairs, lost pairs, and messages some client missed.
    func losses() -> (expected: UInt64, lost: UInt64, incompleteMessages: Int) {
        var expected: UInt64 = 0
        var lost: UInt64 = 0
        var incomplete = 0
        for index in stamps.indices where states[index].contains(.published) {
            expected += UInt64(clients)
            let got = min(UInt64(receivedBy[index]), UInt64(clients))
            lost += UInt64(clients) - got
            if got < UInt64(clients) { incomplete += 1 }
        }
        return (expected, lost, incomplete)
    }

    private mutating func release(_ index: Int) {
        guard !states[index].contains(.released) else { return }
        states[index].insert(.released)
        inFlight -= 1
    }

    /// Binary search: stamps are strictly increasing.
    @inline(__always)
    private func index(of stamp: UInt64) -> Int? {
        var low = 0
        var high = stamps.count - 1
        while low <= high {
            let middle = (low + high) / 2
            let value = stamps[middle]
            if value == stamp { return middle }
            if value < stamp { low = middle + 1 } else { high = middle - 1 }
        }
        return nil
    }
}
