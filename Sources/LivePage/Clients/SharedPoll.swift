/// One parked request that polls for several clients at once: the tabs of one browser
/// sharing a single long-poll (`POST /poll`). Lives inside the manager's lock only.
///
/// Each member's record points here (``ClientRecord/ParkedPoll/shared(_:)``), so that
/// whatever would answer one member's own poll answers this one, for all members
/// together: each gets its events, an idle result, or why it cannot be polled. The hold
/// time sits in the hold wheel under the first member.
final class SharedPoll {
    let ticket: UInt64
    let waiter: MultiPollWaiter
    /// The clients polled, in the order the request named them.
    let members: [ClientRecord]
    /// Whether events were queued for a member in the current locked section: the poll
    /// is answered at its end, so that one send to several members is one answer.
    var isDue = false
    /// Whether the poll has been answered or forgotten.
    var isFinished = false

    init(ticket: UInt64, waiter: @escaping MultiPollWaiter, members: [ClientRecord]) {
        self.ticket = ticket
        self.waiter = waiter
        self.members = members
    }
}
