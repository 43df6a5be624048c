import CLinuxSystem
import LivePageSystem

/// A descriptor watched for a ``ReactorChannel`` from outside the engine (the Redis
/// client): the loop keeps it with its clients' sockets, keyed by descriptor and
/// generation, and translates epoll's bits into ``ReactorEvents`` for it.
///
/// Touched on its loop's thread only.
final class WatchedChannel: LoopChannel {
    let generation: UInt32
    private let channel: any ReactorChannel

    init(generation: UInt32, channel: any ReactorChannel) {
        self.generation = generation
        self.channel = channel
    }

    func handle(events: UInt32) {
        var ready: ReactorEvents = []
        if events & EPOLLIN.rawValue != 0 { ready.insert(.readable) }
        if events & EPOLLOUT.rawValue != 0 { ready.insert(.writable) }
        if events & (EPOLLHUP.rawValue | EPOLLRDHUP.rawValue | EPOLLERR.rawValue) != 0 { ready.insert(.hangUp) }
        channel.handle(ready)
    }
}
