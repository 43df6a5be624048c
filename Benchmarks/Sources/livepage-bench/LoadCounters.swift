/// What happened on the wire during a run, beyond the delivery ledger: responses,
/// statuses other than 2xx, and connection trouble; RESULT's `errors` (Benchmarks/README.md).
struct LoadCounters {
    /// Clients whose first output request (idle scenario: whose one answer) is done.
    var parked = 0
    /// Registrations answered `201`.
    var registered = 0
    /// Long-poll answers, and those without events (Nchan's `304` and `408` included).
    var responses: UInt64 = 0
    var idleResponses: UInt64 = 0
    /// Non-2xx answers to subscribers and to publishers, by status.
    var subscriberStatuses: [Int: UInt64] = [:]
    var publisherStatuses: [Int: UInt64] = [:]
    /// Connections that could not be made (`addr`: no free source port).
    var connectErrors: UInt64 = 0
    var addressErrors: UInt64 = 0
    /// Connections lost with a request outstanding, and clean closes by the server.
    var closed: UInt64 = 0
    var serverClosed: UInt64 = 0
    var parseErrors: UInt64 = 0
    /// Clients registered again after a `410`.
    var reregistered: UInt64 = 0
    /// Clients that gave up.
    var gaveUp = 0
    var reconnects: UInt64 = 0
    /// Fanout publishes more than 100 ms behind their schedule.
    var publishesLate: UInt64 = 0

    // The benchmark's own load during the measured phase.

    /// Wall time spent outside `epoll_wait`, in nanoseconds.
    var busyNanoseconds: UInt64 = 0
    var wakeups: UInt64 = 0
    var readyEvents: UInt64 = 0
    var largestBatch = 0

    /// Every non-2xx answer.
    var nonSuccessCount: UInt64 {
        subscriberStatuses.values.reduce(0, +) + publisherStatuses.values.reduce(0, +)
    }
}
