import LivePageEvents

/// Work that reaches many clients (a publish, a disconnect, a presence flush), done a
/// bounded slice at a time.
///
/// A fan-out to fifty thousand clients, or a thousand events to four thousand, must not
/// hold the manager's lock or one event loop while it runs: registrations, polls and
/// `/health` keep answering in between. Deliveries wait in one queue and run in order, so
/// every client sees the manager's sends in one order; each takes its recipients as they
/// were when it was sent (a client that registers meanwhile was not there yet).
///
/// A small delivery that no queued one could share a client with (a client is at one
/// location) does not wait behind them: a publish to one room is not held up by a large
/// fan-out to another.
final class Delivery {
    /// Which clients a delivery may reach, to tell which ones it must wait for.
    enum Scope: Hashable {
        /// Only clients at this location.
        case location(ExactName)
        /// Clients anywhere.
        case everywhere
    }

    /// What a delivery does to each recipient.
    enum Work {
        /// Queue these events.
        case events([EncodedEvent])
        /// Remove the client (`410 closed` on its next poll).
        case disconnect
        /// Send what this presence flush decides for the client.
        case presence(PresenceFlush)
    }

    let work: Work
    let scope: Scope
    private let recipients: [ClientRecord]
    private let excluded: ClientID?
    private var position = 0
    /// The (client, event) pairs queued, or the clients removed, so far.
    private(set) var count = 0
    /// Told the count once the last recipient is done, outside the lock.
    let completion: (@Sendable (Int) -> Void)?

    init(
        _ work: Work,
        to recipients: [ClientRecord],
        scope: Scope,
        excluding excluded: ClientID? = nil,
        completion: (@Sendable (Int) -> Void)?
    ) {
        self.work = work
        self.scope = scope
        self.recipients = recipients
        self.excluded = excluded
        self.completion = completion
    }

    /// Whether every recipient is done.
    var isDone: Bool { position == recipients.count }

    /// The next recipient, or `nil` when done; a left-out one is skipped.
    func nextRecipient() -> ClientRecord? {
        while position < recipients.count {
            let record = recipients[position]
            position += 1
            if let excluded, record.info.id == excluded { continue }
            return record
        }
        return nil
    }

    /// Adds to ``count``.
    func counted(_ amount: Int) { count += amount }

    /// What the whole delivery costs against a slice's budget.
    var cost: Int { recipients.count * costPerRecipient }

    /// What one recipient costs against a slice's budget: one unit per event queued.
    var costPerRecipient: Int {
        switch work {
        case .events(let events): events.count + 1
        case .disconnect: 4
        case .presence: 2
        }
    }
}
