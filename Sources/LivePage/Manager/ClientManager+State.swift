extension ClientManager {
    /// Everything the manager knows, behind its one lock. Critical sections are short and
    /// never await: registering, polling, queueing and answering.
    struct State {
        var clients: [ClientID: ClientRecord] = [:]
        var locations: [ExactName: LocationState] = [:]
        /// Every open client of each principal, at every location.
        var principals: [ExactName: [ClientRecord]] = [:]
        var gone: GoneClients
        var isShuttingDown = false
        var nextTicket: UInt64 = 0
        var metrics = ManagerMetrics()
        /// Spreads hold times. Not a secret, so not the system's secure generator, which
        /// would cost a system call on every poll.
        var jitter: SplitMix64
        /// The hold times of parked polls.
        var hold: HoldWheel
        /// Whether the clock will tick the hold wheel.
        var holdTickScheduled = false
        /// Who is online on the other servers of the site, by location.
        var remote: [ExactName: PresencePart] = [:]
        /// Locations whose local part of presence changed since it was last reported.
        var changedLocalParts: Set<ExactName> = []
        /// Whether a report of local presence is scheduled.
        var localPartReportScheduled = false
        /// While set, polls are answered ``OutputAnswer/unavailable``.
        var isOutputSuspended = false

        init(rememberedGoneClients: Int, hold: HoldWheel) {
            self.hold = hold
            gone = GoneClients(capacity: rememberedGoneClients)
            var seed = SystemRandomNumberGenerator()
            jitter = SplitMix64(seed: seed.next())
        }
    }

    /// Output answers decided under the lock, given after it is released, so that a
    /// waiter may do its own work (encode, write) without holding up the manager.
    struct PendingAnswers {
        private var answers: [(OutputWaiter, OutputAnswer)] = []

        mutating func add(_ waiter: @escaping OutputWaiter, _ answer: OutputAnswer) {
            answers.append((waiter, answer))
        }

        consuming func deliver() {
            for (waiter, answer) in answers { waiter(answer) }
        }
    }
}
