/// A binary min-heap: the engine's one priority queue, for connections' deadlines
/// (``ConnectionDeadline``) and for the timers of clients on a loop (``LoopTimers``).
///
/// Nothing is ever removed early: an entry that no longer applies is recognised and
/// dropped when it comes first, which keeps pushing and popping O(log n) with no index.
struct MinHeap<Element: Comparable> {
    private var entries: [Element] = []

    /// How many entries the heap holds.
    var count: Int { entries.count }

    /// The least entry.
    var first: Element? { entries.first }

    mutating func push(_ element: Element) {
        entries.append(element)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child] < entries[parent] else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the least entry if `isDue` holds for it.
    mutating func popFirst(if isDue: (Element) -> Bool) -> Element? {
        guard let first = entries.first, isDue(first) else { return nil }
        let last = entries.removeLast()
        guard !entries.isEmpty else { return first }
        entries[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count, entries[left] < entries[smallest] { smallest = left }
            if right < entries.count, entries[right] < entries[smallest] { smallest = right }
            guard smallest != parent else { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }

    /// Drops every entry.
    mutating func removeAll() { entries = [] }
}
