/// What a client hears about who is online at its location.
///
/// Presence costs O(N) bytes to each of N clients on every change if everyone gets the
/// lists, so clients ask for it (PROTOCOL.md, "Who is online").
public enum PresenceMode: String, Sendable, Hashable, CaseIterable {
    /// No presence events (the default).
    case none
    /// The full state first, then each change with the principals who joined and left.
    /// Above the list limit of a location, counts only until it falls back below.
    case list
    /// The totals only: distinct principals and anonymous clients.
    case count
}
