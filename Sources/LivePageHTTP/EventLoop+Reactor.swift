import LivePageSystem

/// The loop as a ``Reactor``: the seam through which the Redis client and the client
/// manager's clock run on the engine's loops, using the machinery of the loop's own
/// clients (``HTTPClient``): the channel table, the clients' timer heap and the inbox.
extension EventLoop: Reactor {
    @discardableResult
    func execute(_ body: @escaping @Sendable () -> Void) -> Bool {
        enqueue(.run(body))
    }

    func watch(_ fd: Int32, for channel: any ReactorChannel) throws(SystemCallError) {
        try register(WatchedChannel(generation: makeGeneration(), channel: channel), fd: fd)
    }

    func close(_ fd: Int32) {
        channels[fd] = nil
        System.close(fd)
    }

    func observeStop(_ observer: any ReactorStopObserver) -> Bool {
        guard !hasStopped else { return false }
        stopObservers.append(observer)
        return true
    }

    func stopObserving(_ observer: any ReactorStopObserver) {
        stopObservers.removeAll { $0 === observer }
    }
}
