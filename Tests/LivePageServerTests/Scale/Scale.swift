import Testing

/// The multi-server tests (issue 7, "Scale"): three real `livepage-server` processes on
/// loopback ports sharing one real `redis-server`, behind a real nginx configured with
/// what `livepage-server --print-nginx-config` prints, all from Debian's packages and
/// started by the tests. Requests go through nginx, as a browser's would, except where a
/// test must address one node.
///
/// Where nginx or Redis is missing, the cluster suites are skipped with a line saying how
/// to install it, and fail instead with `LIVEPAGE_REQUIRE_TOOLS=1` (``ExternalTool``).
///
/// The suites run one after another: each runs five processes and waits on timers of the
/// servers (presence sweeps, reconnection backoff), which a second cluster beside it would
/// only slow down. Every wait is an `eventually` with a generous deadline; nothing asserts
/// on speed.
@Suite(.serialized) struct Scale {}
