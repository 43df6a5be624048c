import LivePageEvents

/// Everything the manager keeps for one client. Lives inside the manager's lock only.
///
/// Its mutable state is `@exclusivity(unchecked)`: the lock already serialises every
/// access, and the runtime's check of each one showed in fan-out profiles.
final class ClientRecord {
    /// A parked output request: whom to answer. Its hold time is kept in the manager's
    /// ``HoldWheel``, at ``holdSlot`` (a shared poll's at its first member's).
    enum ParkedPoll {
        /// This client's own poll (`GET .../output`).
        case single(ticket: UInt64, waiter: OutputWaiter)
        /// A poll for several clients at once (`POST /poll`), answered for all of them
        /// together.
        case shared(SharedPoll)

        /// The ticket that names the request, to cancel it.
        var ticket: UInt64 {
            switch self {
            case .single(let ticket, _): ticket
            case .shared(let poll): poll.ticket
            }
        }
    }

    let info: ClientInfo
    let location: LocationState
    /// The last seq given to this client.
    @exclusivity(unchecked) var lastSeq: UInt64 = 0
    /// The highest `after` received.
    @exclusivity(unchecked) var acknowledged: UInt64 = 0
    @exclusivity(unchecked) var queue = EventQueue()
    @exclusivity(unchecked) var parked: ParkedPoll?
    /// Where the parked poll's hold time is in the manager's hold wheel.
    @exclusivity(unchecked) var holdSlot: HoldWheel.Slot?
    /// When the client expires unless it polls (or, while away, when it is removed);
    /// meaningless while a poll is parked.
    @exclusivity(unchecked) var expiresAt: Duration
    /// Whether the client has polled at least once: only such a client is kept, away,
    /// for the resume window once it stops polling.
    @exclusivity(unchecked) var hasPolled = false
    /// Whether the client stopped polling for longer than refresh + grace: it has left
    /// who is online, but its queue is kept until the resume window ends, for its page
    /// to come back to.
    @exclusivity(unchecked) var isAway = false
    /// Whether the manager still holds this record under its id: `false` for good once it
    /// is removed. A delivery checks this, not the table of ids, for each recipient, so
    /// that a fan-out hashes no id.
    @exclusivity(unchecked) var isRegistered = true

    /// The client's index in `location.clients`, for removal in O(1).
    @exclusivity(unchecked) var indexInLocation = -1
    /// The client's index in `location.presenceClients` (presence clients only).
    @exclusivity(unchecked) var indexInPresence = -1
    /// The client's index in the manager's list of every client.
    @exclusivity(unchecked) var indexInServer = -1
    /// What this client last heard of presence: in which presence interval of its
    /// location, after how many of that interval's changes, whether with the lists, and
    /// the totals (distinct principals, anonymous clients).
    var presenceInterval: UInt64 = 0
    var presenceMark = 0
    var presenceListed = false
    var presenceCounts = (0, 0)

    init(info: ClientInfo, location: LocationState, expiresAt: Duration) {
        self.info = info
        self.location = location
        self.expiresAt = expiresAt
    }
}
