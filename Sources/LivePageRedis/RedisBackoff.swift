import LivePageSystem

/// The waits between attempts to reconnect: exponential, capped, with jitter.
///
/// The first attempt after a loss is immediate (`nextDelay` is 0): a connection killed by
/// `CLIENT KILL` or a Redis restart should come back as soon as it can. Each later wait is
/// `initial × 2^(n-1)` capped at `maximum`, jittered down to between half of that and all
/// of it, so that nodes that lost Redis together do not come back in lockstep.
struct RedisBackoff: Sendable {
    let initial: Duration
    let maximum: Duration
    private var failures = 0

    init(initial: Duration, maximum: Duration) {
        self.initial = max(initial, .zero)
        self.maximum = max(maximum, self.initial)
    }

    /// The wait before the next attempt, counting this one as a failure.
    mutating func nextDelay(using random: inout some RandomNumberGenerator) -> Duration {
        defer { failures += 1 }
        guard failures > 0 else { return .zero }
        var ceiling = initial
        for _ in 1..<min(failures, 40) where ceiling < maximum {
            ceiling *= 2
        }
        ceiling = min(ceiling, maximum)
        let nanoseconds = ceiling.nanoseconds
        guard nanoseconds > 1 else { return ceiling }
        return .nanoseconds(Int64(UInt64.random(in: (nanoseconds / 2)...nanoseconds, using: &random)))
    }

    /// Starts again from an immediate attempt, after a successful connection.
    mutating func reset() {
        failures = 0
    }
}
