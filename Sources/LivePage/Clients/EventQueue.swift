/// A client's events above the highest `after` it has sent, oldest first.
///
/// Events stay queued until the page acknowledges them with a later poll's `after`, so
/// an answer lost on the way is answered again by the next poll.
struct EventQueue {
    var items: [OutputBatch.Item] = []
    /// The index of the oldest unacknowledged event in `items`.
    var head = 0
    /// The JSON bytes of the queued events.
    var byteCount = 0

    /// The number of queued events.
    var count: Int { items.count - head }

    var isEmpty: Bool { head == items.count }

    mutating func append(_ item: OutputBatch.Item) {
        items.append(item)
        byteCount += item.event.byteCount
    }

    /// Drops the events with seq at or below `seq`.
    mutating func acknowledge(through seq: UInt64) {
        while head < items.count, items[head].seq <= seq {
            byteCount -= items[head].event.byteCount
            head += 1
        }
        if head == items.count {
            items.removeAll(keepingCapacity: items.count <= 16)
            head = 0
        } else if head >= 32, head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
    }

    /// The oldest events, at most `maximumCount` of them and `maximumBytes` of JSON, but
    /// always at least one when any is queued: a slice of the queue's own storage, not a
    /// copy (``OutputBatch`` says why that costs nothing).
    func batch(maximumCount: Int, maximumBytes: Int) -> ArraySlice<OutputBatch.Item> {
        var end = head
        var bytes = 0
        while end < items.count, end - head < maximumCount {
            bytes += items[end].event.byteCount
            if bytes > maximumBytes, end > head { break }
            end += 1
        }
        return items[head..<end]
    }
}
