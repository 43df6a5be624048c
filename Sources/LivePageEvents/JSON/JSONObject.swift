/// A JSON object: keys in the order they were written, each key once.
///
/// Order is kept so that an event's fields reach the page as they were sent, and so that
/// encoding is deterministic. Lookups go through a dictionary, so a large object costs
/// no more than linear time to build. Keys are told apart by their bytes (``ExactName``):
/// `"K"` and `"\u{212A}"` (KELVIN SIGN) are two keys, as they are to every other JSON
/// reader, never one key given twice.
public struct JSONObject: Sendable, Hashable {
    private var keysInOrder: [String] = []
    private var values: [ExactName: JSONValue] = [:]

    /// An empty object.
    public init() {}

    /// The number of keys.
    public var count: Int { keysInOrder.count }

    /// Whether the object has no keys.
    public var isEmpty: Bool { keysInOrder.isEmpty }

    /// The keys, in order.
    public var keys: [String] { keysInOrder }

    /// The value for `key`; setting `nil` removes the key, setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get { values[ExactName(key)] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: ExactName(key)) == nil {
                    keysInOrder.append(key)
                }
            } else if values.removeValue(forKey: ExactName(key)) != nil {
                keysInOrder.removeAll { $0.isSameBytes(as: key) }
            }
        }
    }

    /// Adds `key` if it is not there yet; returns `false`, leaving the object as it was,
    /// if it is (the parser refuses duplicate keys with this).
    @discardableResult
    mutating func insertNew(_ key: String, _ value: JSONValue) -> Bool {
        guard values.updateValue(value, forKey: ExactName(key)) == nil else { return false }
        keysInOrder.append(key)
        return true
    }
}

extension JSONObject: Sequence {
    /// Iterates an object's (key, value) pairs in order.
    public struct Iterator: IteratorProtocol {
        fileprivate let object: JSONObject
        fileprivate var index = 0

        /// The next pair, or `nil` after the last.
        public mutating func next() -> (key: String, value: JSONValue)? {
            guard index < object.keysInOrder.count else { return nil }
            let key = object.keysInOrder[index]
            index += 1
            // Every key in `keysInOrder` has a value: the two change together.
            return (key, object.values[ExactName(key)]!)
        }
    }

    /// Iterates the (key, value) pairs in order.
    public func makeIterator() -> Iterator { Iterator(object: self) }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object with the literal's keys, in the order written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { self[key] = value }
    }
}
