/// Reads the events of a long-poll answer without building JSON values: each event's
/// `"seq"` and every `t=<digits>` stamp in it, so a batch of many events costs one pass
/// over the bytes and escaping such as `<\/i>` does no harm.
///
/// An event is everything from one `"seq"` key to the next; the server writes `seq`
/// first in each event (PROTOCOL.md's example does too). An Nchan answer has no `"seq"`:
/// its messages are the bodies `t=NS`, one per answer or several in the parts of a
/// `multipart/mixed` one, whose part headers and boundaries hold no `t=` after a
/// separator (a `t=` counts only at the start or after a byte that is not a letter or
/// digit, so `charset=` is not one).
enum OutputScanner {
    /// What one scan found.
    struct Summary {
        /// Events (`"seq"` keys) in the body.
        var events = 0
        /// The highest seq, or 0.
        var highestSeq: UInt64 = 0
        /// `t=` stamps in the body.
        var stamps = 0
    }

    /// Calls `found(seq, stamp, firstOfEvent)` for each stamp in `body`, in order, and
    /// `found(seq, nil, true)` for an event without one. `seq` is nil for a stamp
    /// before any `"seq"` key.
    static func scan(
        _ body: UnsafeRawBufferPointer, _ found: (_ seq: UInt64?, _ stamp: UInt64?, _ firstOfEvent: Bool) -> Void
    ) -> Summary {
        var summary = Summary()
        var seq: UInt64?
        var reported = true
        var index = 0
        let count = body.count
        while index < count {
            let byte = body[index]
            if byte == UInt8(ascii: "\""), index + 5 <= count, body[index + 1] == UInt8(ascii: "s"),
                body[index + 2] == UInt8(ascii: "e"), body[index + 3] == UInt8(ascii: "q"),
                body[index + 4] == UInt8(ascii: "\""), index == 0 || body[index - 1] != UInt8(ascii: "\\")
            {
                var position = skipSpaces(body, from: index + 5)
                guard position < count, body[position] == UInt8(ascii: ":") else {
                    index += 5
                    continue
                }
                position = skipSpaces(body, from: position + 1)
                let (value, end) = number(body, from: position)
                index = end
                guard end > position else { continue }
                if !reported { found(seq, nil, true) }
                seq = value
                reported = false
                summary.events += 1
                summary.highestSeq = max(summary.highestSeq, value)
                continue
            }
            if byte == UInt8(ascii: "="), index >= 1, body[index - 1] == UInt8(ascii: "t"),
                index == 1 || !isAlphanumeric(body[index - 2]), index + 1 < count, isDigit(body[index + 1])
            {
                let (stamp, end) = number(body, from: index + 1)
                summary.stamps += 1
                found(seq, stamp, !reported)
                reported = true
                index = end
                continue
            }
            index += 1
        }
        if !reported { found(seq, nil, true) }
        return summary
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    @inline(__always)
    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
    }

    @inline(__always)
    private static func skipSpaces(_ body: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        while index < body.count, body[index] == 0x20 || body[index] == 0x09 || body[index] == 0x0A || body[index] == 0x0D {
            index += 1
        }
        return index
    }

    @inline(__always)
    private static func number(_ body: UnsafeRawBufferPointer, from start: Int) -> (UInt64, Int) {
        var value: UInt64 = 0
        var index = start
        while index < body.count, isDigit(body[index]) {
            value = value &* 10 &+ UInt64(body[index] - UInt8(ascii: "0"))
            index += 1
        }
        return (value, index)
    }
}
