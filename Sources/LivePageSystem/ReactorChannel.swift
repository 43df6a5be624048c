/// A descriptor's owner on a ``Reactor``: it is told of the descriptor's readiness.
///
/// Called on the reactor's thread only. Events are edge-triggered: a channel reads and
/// writes until the call would block, and is told again when more can be done.
package protocol ReactorChannel: AnyObject {
    /// The descriptor became readable, writable, or hung up.
    func handle(_ events: ReactorEvents)
}
