/// Who was online at a location at one moment. Immutable, and shared by every client that
/// received it, so a change is computed once per distinct previous state, not per client.
final class PresenceSnapshot {
    /// The distinct principals, sorted byte for byte (``ExactName``).
    let principals: [String]
    /// The number of anonymous clients.
    let anonymous: Int

    init(principals: [String], anonymous: Int) {
        self.principals = principals
        self.anonymous = anonymous
    }

    /// The number of distinct principals.
    var count: Int { principals.count }

    /// The principals in `self` and not in `earlier`, and those in `earlier` and not in `self`.
    func difference(from earlier: PresenceSnapshot) -> (joined: [String], left: [String]) {
        var joined: [String] = []
        var left: [String] = []
        var old = earlier.principals.makeIterator()
        var new = principals.makeIterator()
        var oldNext = old.next()
        var newNext = new.next()
        while true {
            switch (oldNext, newNext) {
            case (nil, nil):
                return (joined, left)
            case (let gone?, nil):
                left.append(gone)
                oldNext = old.next()
            case (nil, let came?):
                joined.append(came)
                newNext = new.next()
            case (let gone?, let came?):
                if ExactName(gone) == ExactName(came) {
                    oldNext = old.next()
                    newNext = new.next()
                } else if ExactName(gone) < ExactName(came) {
                    left.append(gone)
                    oldNext = old.next()
                } else {
                    joined.append(came)
                    newNext = new.next()
                }
            }
        }
    }
}
