import Glibc
import LivePageEvents

extension LoadDriver {
    /// The `seq` and `n` of each event in an answer body that the server wrote as
    /// `{"events":[{"seq":S,"verb":"n","n":N...},...]}`, or `nil` for anything else.
    ///
    /// Written with raw pointers and `memcmp`/`memchr`, because a debug build runs the
    /// tests and checks every array access.
    static func scanEvents(_ body: [UInt8]) -> [(seq: Int, number: Int)]? {
        let prefix = Array(#"{"events":["#.utf8)
        let seqKey = Array(#"{"seq":"#.utf8)
        let numberKey = Array(#","verb":"n","n":"#.utf8)
        return body.withUnsafeBufferPointer { buffer -> [(seq: Int, number: Int)]? in
            guard let base = buffer.baseAddress, buffer.count >= prefix.count + 2, memcmp(base, prefix, prefix.count) == 0,
                buffer[buffer.count - 2] == UInt8(ascii: "]"), buffer[buffer.count - 1] == UInt8(ascii: "}")
            else { return nil }
            let end = buffer.count - 2
            var position = prefix.count
            var events: [(seq: Int, number: Int)] = []
            while position < end {
                if !events.isEmpty {
                    guard base[position] == UInt8(ascii: ",") else { return nil }
                    position += 1
                }
                guard position + seqKey.count <= end, memcmp(base + position, seqKey, seqKey.count) == 0 else { return nil }
                position += seqKey.count
                var seq = 0
                let seqStart = position
                while position < end, base[position] &- 48 < 10 {
                    seq = seq * 10 + Int(base[position] &- 48)
                    position += 1
                }
                guard position > seqStart, position + numberKey.count <= end, memcmp(base + position, numberKey, numberKey.count) == 0
                else { return nil }
                position += numberKey.count
                var number = 0
                let numberStart = position
                while position < end, base[position] &- 48 < 10 {
                    number = number * 10 + Int(base[position] &- 48)
                    position += 1
                }
                guard position > numberStart else { return nil }
                // The rest of the event: padding only (`,"pad":"ppp..."`), then `}`.
                guard let close = memchr(base + position, Int32(UInt8(ascii: "}")), end - position) else { return nil }
                let closeIndex = UnsafePointer<UInt8>(close.assumingMemoryBound(to: UInt8.self)) - base
                guard memchr(base + position, Int32(UInt8(ascii: "{")), closeIndex - position) == nil else { return nil }
                position = closeIndex + 1
                events.append((seq, number))
            }
            return events
        }
    }

    /// The same with the product's JSON parser.
    static func parseEvents(_ body: [UInt8]) -> [(seq: Int, number: Int)]? {
        guard let events = (try? JSONValue(parsing: body))?.objectValue?["events"]?.arrayValue else { return nil }
        var result: [(seq: Int, number: Int)] = []
        for event in events {
            guard let object = event.objectValue, case .number(let seq)? = object["seq"], case .number(let number)? = object["n"],
                let seq = seq.intValue, let number = number.intValue
            else { return nil }
            result.append((seq, number))
        }
        return result
    }
}
