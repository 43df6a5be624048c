/// What a watched descriptor is ready for, as a ``Reactor`` reports it: epoll's event bits,
/// in terms that need no C module.
package struct ReactorEvents: OptionSet, Sendable {
    package let rawValue: UInt8

    package init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Input has arrived, or the peer has closed (a read returns 0).
    package static let readable = ReactorEvents(rawValue: 1 << 0)
    /// Output can be written; for a connect in progress, the connect has ended (read
    /// `SO_ERROR` for how).
    package static let writable = ReactorEvents(rawValue: 1 << 1)
    /// The peer hung up or the socket failed (`EPOLLHUP`, `EPOLLRDHUP`, `EPOLLERR`).
    package static let hangUp = ReactorEvents(rawValue: 1 << 2)
}
