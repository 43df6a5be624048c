import LivePageEvents

extension ClientManager {
    /// Everything the manager knows, behind its one lock. Critical sections are short and
    /// never await: registering, polling, queueing and answering.
    struct State {
        var clients = ClientTable()
        /// The same clients in an array, each knowing its index: the audience `everyone`,
        /// taken without copying.
        private(set) var everyone: [ClientRecord] = []
        /// How many of the clients are anonymous.
        var anonymousClients = 0
        /// Sends, disconnects and presence flushes waiting to reach their recipients, in
        /// order; the first may be part done.
        var deliveries = DeliveryQueue()
        /// Whether the clock will run the next slice of deliveries.
        var isDeliveryScheduled = false
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
        /// The hold wheel's next sweep, while one is scheduled.
        var holdTick: ScheduledHoldTick?
        /// Who is online on the other servers of the site, by location.
        var remote: [ExactName: PresencePart] = [:]
        /// Locations whose local part of presence changed since it was last reported.
        var changedLocalParts: Set<ExactName> = []
        /// Whether a report of local presence is scheduled.
        var localPartReportScheduled = false
        /// While set, polls are answered ``OutputAnswer/unavailable``.
        var isOutputSuspended = false
        /// Shared polls that a member's events are waiting for, answered at the end of
        /// the locked section that queued them.
        var dueSharedPolls: [SharedPoll] = []

        /// Adds `record` to ``everyone``.
        mutating func addToEveryone(_ record: ClientRecord) {
            record.indexInServer = everyone.count
            everyone.append(record)
        }

        /// Removes `record` from ``everyone`` in O(1).
        mutating func removeFromEveryone(_ record: ClientRecord) {
            let index = record.indexInServer
            let last = everyone.removeLast()
            if index < everyone.count {
                everyone[index] = last
                last.indexInServer = index
            }
            record.indexInServer = -1
        }

        init(rememberedGoneClients: Int, hold: HoldWheel) {
            self.hold = hold
            gone = GoneClients(capacity: rememberedGoneClients)
            var seed = SystemRandomNumberGenerator()
            jitter = SplitMix64(seed: seed.next())
        }
    }

    /// The clock's timer for the hold wheel's next sweep, and the tick it sweeps: a poll
    /// parked with an earlier tick needs an earlier sweep.
    struct ScheduledHoldTick {
        let tick: Int64
        let timer: TimerHandle
    }

    /// Output answers decided under the lock, given after it is released, so that a
    /// waiter may do its own work (encode, write) without holding up the manager.
    struct PendingAnswers {
        /// A waiter and its answer. A struct, not a tuple: an array stores a tuple's closure
        /// in its most general form, which costs a thunk allocated per answer.
        private struct Answer {
            let waiter: OutputWaiter
            let answer: OutputAnswer
        }

        /// The answers in order; each is taken out (`nil`) as it is given.
        private var answers: [Answer?] = []
        private var completions: [@Sendable () -> Void] = []

        mutating func add(_ waiter: @escaping OutputWaiter, _ answer: OutputAnswer) {
            answers.append(Answer(waiter: waiter, answer: answer))
        }

        /// Adds work to run after the answers: a delivery's completion.
        mutating func add(_ completion: @escaping @Sendable () -> Void) {
            completions.append(completion)
        }

        /// Gives every answer, then runs the completions.
        ///
        /// Each answer is moved out as it is given and released right after, while what it
        /// holds (the poll's waiter and, through it, the connection's responder; the batch's
        /// share of the client's queue) is still in the cache. Released with the array at
        /// the end instead, thousands of them after a slice of a fan-out, each was a cache
        /// miss again: about 1 % of a fan-out's CPU.
        consuming func deliver() {
            answers.withUnsafeMutableBufferPointer { answers in
                for index in answers.indices {
                    guard let answer = answers[index].take() else { continue }
                    answer.waiter(answer.answer)
                }
            }
            for completion in completions { completion() }
        }
    }

    /// The deliveries waiting, first in first out, with O(1) removal from the front.
    ///
    /// A small delivery whose scope no waiting delivery shares goes ahead of the queue
    /// (``ready``): it cannot change the order any client sees, since the queued ones reach
    /// none of its clients.
    struct DeliveryQueue {
        private var items: [Delivery] = []
        private var head = 0
        /// Queued deliveries per location they are confined to, and those reaching anywhere.
        private var queuedAt: [ExactName: Int] = [:]
        private var queuedEverywhere = 0
        /// Small deliveries to run before the locked section ends, in order.
        private(set) var ready: [Delivery] = []

        var isEmpty: Bool { head == items.count }

        var first: Delivery? { isEmpty ? nil : items[head] }

        /// Adds `delivery`: ready at once when small and clear of every queued one,
        /// queued otherwise.
        mutating func append(_ delivery: Delivery) {
            let isClear: Bool
            switch delivery.scope {
            case .everywhere: isClear = isEmpty
            case .location(let name): isClear = queuedEverywhere == 0 && queuedAt[name] == nil
            }
            if isClear, delivery.cost <= ClientManager.deliverySliceBudget {
                ready.append(delivery)
                return
            }
            items.append(delivery)
            switch delivery.scope {
            case .everywhere: queuedEverywhere += 1
            case .location(let name): queuedAt[name, default: 0] += 1
            }
        }

        /// Takes the ready deliveries, to run them.
        mutating func takeReady() -> [Delivery] {
            defer { ready = [] }
            return ready
        }

        mutating func removeFirst() {
            switch items[head].scope {
            case .everywhere: queuedEverywhere -= 1
            case .location(let name):
                let count = queuedAt[name, default: 1] - 1
                queuedAt[name] = count == 0 ? nil : count
            }
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 64, head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
        }
    }
}
