import LivePage
import LivePageHTTP

/// An output answer's events as a response body that the engine writes straight into its
/// output: every delivery makes one, and building it in an array of its own cost an
/// allocation and a copy per delivery. It holds the batch, three words, so the response
/// holds it without an allocation either.
struct EventsBody: HTTPResponseBody {
    /// The events.
    let batch: OutputBatch

    var count: Int { batch.jsonByteCount }

    func write(to bytes: inout [UInt8]) {
        batch.writeJSON(to: &bytes)
    }
}
