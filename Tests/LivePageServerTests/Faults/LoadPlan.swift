import Glibc
import LivePageTestSupport

/// How often a ``LoadDriver`` breaks its clients' connections: each a fraction of polls,
/// drawn independently for every poll.
struct ResetPolicy: Sendable {
    /// Reset the connection instead of sending the poll (once connected, so the server
    /// has accepted it): a page that died between two polls.
    var beforeRequest = 0.0
    /// Send the poll, then reset within ``parkedDelayMilliseconds``: mid-poll, usually
    /// while it is parked, sometimes before the server has read it.
    var whileParked = 0.0
    /// Reset once part of the answer has arrived (anything from one byte to all of it),
    /// without using any of it: an answer lost on the way.
    var midResponse = 0.0
    /// The longest a poll is left before a ``whileParked`` reset, in milliseconds.
    var parkedDelayMilliseconds = 40
    /// The longest a client waits before it connects again after a reset, in milliseconds.
    var reconnectDelayMilliseconds = 20
    /// The fraction of connections opened with a small receive buffer (2 KiB), so that
    /// large answers arrive, and are cut, in pieces.
    var smallReceiveBuffer = 0.0
    /// The fraction of publishes whose connection is reset, half of them right after the
    /// request is sent (the server may or may not have read it), half when the answer
    /// starts to arrive (it was delivered, the answer is lost). The publisher then sends
    /// the same publish again with the same `id`, as a backend retrying would, and it must
    /// be delivered once. Publishes carry an `id` only when this is above 0.
    var publisher = 0.0

    /// No resets: every poll runs to its answer.
    static let none = ResetPolicy()
}

/// One publish of a run: where it goes, who it reaches, and which events it carries.
struct PlannedPublish {
    /// The `to` object of the publish, as JSON.
    var audience: String
    /// The clients (indices into the driver's clients) the audience holds.
    var recipients: [Int]
    /// The numbers of its events; each event is `{"verb": "n", "n": NUMBER}` plus padding.
    var events: Range<Int>
}

/// How far a ``LoadDriver`` run has got, for its plan to decide the next publish.
struct LoadProgress {
    /// Publishes answered so far (the index of the next one).
    var publishes: Int
    /// Seconds since the run started.
    var seconds: Double
    /// Clients evicted so far, as the publish answers showed.
    var evictions: Int
}

extension SplitMix64 {
    /// The seed in `FAULTS_SEED`, or a fresh one, so that a failing chaos run can be
    /// repeated with the seed it printed.
    static func seedFromEnvironment() -> UInt64 {
        if let text = getenv("FAULTS_SEED"), let seed = UInt64(String(cString: text)) { return seed }
        return UInt64.random(in: 1...UInt64.max)
    }
}

/// A whole number from the environment variable `name`, or `fallback`: the scripts under
/// `Benchmarks/faults` run the same tests at a larger scale this way.
func environmentInteger(_ name: String, default fallback: Int) -> Int {
    guard let text = getenv(name), let value = Int(String(cString: text)), value > 0 else { return fallback }
    return value
}

/// What a ``LoadDriver`` run saw, for the test's expectations and its printed figures.
struct LoadReport: Sendable {
    /// Polls sent.
    var polls = 0
    /// Answers with events, and idle answers (`{"events": []}`).
    var eventAnswers = 0
    var idleAnswers = 0
    /// Events applied by clients, each exactly once.
    var eventsApplied = 0
    /// `409` answers: a client's own earlier poll, on a connection it had reset, reached
    /// the server after its new one.
    var conflicts = 0
    /// Resets by the driver: before a request, while parked, mid-response.
    var resetsBeforeRequest = 0
    var resetsWhileParked = 0
    var resetsMidResponse = 0
    /// Publish connections reset by the driver (each publish then sent again).
    var publisherResets = 0
    /// Connections the server closed on its own (none expected).
    var serverCloses = 0
    /// Connections opened.
    var connections = 0
    /// Publishes sent, the events they carried, and the (client, event) pairs they queued.
    var publishes = 0
    var eventsPublished = 0
    var pairsDelivered = 0
    /// Clients that stopped polling and were evicted, as the publish answers showed.
    var evictions = 0
    /// Every broken promise: a gap, a duplicate, an event out of order or never delivered,
    /// an unexpected status or `delivered` count (the first 50).
    var violations: [String] = []
    /// How long the run took.
    var duration: Duration = .zero

    var resets: Int { resetsBeforeRequest + resetsWhileParked + resetsMidResponse }

    mutating func violation(_ text: String) {
        if violations.count < 50 { violations.append(text) }
    }

    /// The figures, on a few lines.
    var summary: String {
        """
        \(publishes) publishes of \(eventsPublished) events, \(pairsDelivered) (client, event) pairs queued, \
        \(eventsApplied) applied, in \(duration)
        \(polls) polls on \(connections) connections: \(eventAnswers) with events, \(idleAnswers) idle, \(conflicts) 409
        resets: \(resetsBeforeRequest) before the request, \(resetsWhileParked) while parked, \(resetsMidResponse) mid-response; \
        \(serverCloses) closed by the server; \(evictions) evicted; \(publisherResets) publishes reset and sent again
        """
    }
}
