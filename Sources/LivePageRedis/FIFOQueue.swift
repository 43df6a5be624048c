/// A first-in, first-out queue with constant-time `append` and `popFirst`, for the
/// commands waiting for their replies.
struct FIFOQueue<Element> {
    private var storage: [Element?] = []
    private var head = 0

    /// How many elements are queued.
    var count: Int { storage.count - head }

    /// Whether nothing is queued.
    var isEmpty: Bool { head == storage.count }

    /// The oldest element.
    var first: Element? { isEmpty ? nil : storage[head] }

    /// Adds `element` at the end.
    mutating func append(_ element: Element) {
        storage.append(element)
    }

    /// Removes and returns the oldest element.
    mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        storage[head] = nil
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: storage.capacity <= 4096)
            head = 0
        } else if head >= 1024, head * 2 >= storage.count {
            storage.removeSubrange(0..<head)
            head = 0
        }
        return element
    }

    /// Removes and returns every element, oldest first.
    mutating func removeAll() -> [Element] {
        let elements = storage[head...].compactMap { $0 }
        storage.removeAll()
        head = 0
        return elements
    }

    /// Changes the first element that `predicate` picks with `body`.
    /// - Returns: What `body` returned, or `nil` if no element was picked.
    mutating func updateFirst<Result>(
        where predicate: (Element) -> Bool, _ body: (inout Element) -> Result
    ) -> Result? {
        for index in head..<storage.count where predicate(storage[index]!) {
            return body(&storage[index]!)
        }
        return nil
    }
}
