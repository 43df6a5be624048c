/// Something to be told when its ``Reactor`` stops: a client that must fail what it holds,
/// since its sockets will never be served again.
package protocol ReactorStopObserver: AnyObject {
    /// The loop stopped: fail every request; the descriptors still watched are closed
    /// right after this call.
    func reactorStopped()
}
