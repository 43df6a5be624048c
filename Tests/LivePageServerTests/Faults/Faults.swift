import Testing

/// The fault tests (the Proof issue's "Faults: nothing lost, memory bounded"), run one
/// suite after another: each loads the machine with hundreds to thousands of sockets or
/// a publisher flood, and measures the server process (its memory, CPU time and
/// descriptors), so that two running at once would only blur each other's figures.
///
/// Each drives the real `livepage-server` in a process of its own. Their larger versions,
/// and the 10-minute soak, are the scripts under `Benchmarks/faults`.
@Suite(.serialized) struct Faults {}
