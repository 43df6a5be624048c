/// The samples a run takes of the server and of itself, at the phase boundaries.
/// Memory is in KiB as /proc reports it (-1: not sampled); CPU in seconds (-1: not sampled).
struct RunMeasurements {
    var memoryBefore = (rssKiB: -1, pssKiB: -1)
    var memoryParked = (rssKiB: -1, pssKiB: -1)
    var memoryEnd = (rssKiB: -1, pssKiB: -1)
    var memoryMaximumKiB = -1
    var serverCPUStart = -1.0
    var serverCPUParked = -1.0
    var serverCPUEnd = -1.0
    /// The kernel's part of the server's CPU time, at the same two samples as the measured phase's.
    var serverSystemParked = -1.0
    var serverSystemEnd = -1.0
    var ownCPUStart = 0.0
    var ownCPUParked = 0.0
    var ownCPUEnd = 0.0
    /// The server's parked count when the run started measuring (-1: unknown).
    var serverParked = -1
    var connectSeconds = 0.0
    var measureSeconds = 0.0
    /// Monotonic nanoseconds: start of the measured phase, and the end of the run.
    var runStart: UInt64 = 0
    var finish: UInt64 = 0

    /// Server CPU over the connect phase and over the measured phase.
    var serverCPUConnect: Double {
        serverCPUStart >= 0 && serverCPUParked >= 0 ? serverCPUParked - serverCPUStart : -1
    }
    var serverCPUMeasured: Double {
        serverCPUParked >= 0 && serverCPUEnd >= 0 ? serverCPUEnd - serverCPUParked : -1
    }
    /// The kernel's part of ``serverCPUMeasured``.
    var serverSystemMeasured: Double {
        serverSystemParked >= 0 && serverSystemEnd >= 0 ? serverSystemEnd - serverSystemParked : -1
    }

    /// (parked − before) ÷ `clients`, in bytes; -1 if not sampled. Only meaningful on a
    /// freshly started server: memory an earlier run freed is reused.
    func perClientBytes(clients: Int) -> (rss: Int, pss: Int) {
        func perClient(_ before: Int, _ after: Int) -> Int {
            before >= 0 && after >= 0 ? (after - before) * 1024 / clients : -1
        }
        return (
            perClient(memoryBefore.rssKiB, memoryParked.rssKiB),
            perClient(memoryBefore.pssKiB, memoryParked.pssKiB)
        )
    }
}
