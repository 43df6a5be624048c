extension EventQueue {
    /// Drops every queued event that a later event on the same element makes pointless,
    /// and returns how many it dropped. The page ends up showing the same as if it had
    /// applied them all; their seqs are skipped (PROTOCOL.md, "Compaction").
    ///
    /// An earlier event is dropped for a later one with the same key: the content of an
    /// element (`text` or `update`, which both replace every child), one attribute of an
    /// element (`attribute` with the same name), or its removal (`remove`). Only when
    /// nothing between the two could depend on the earlier one, so compaction is
    /// conservative:
    /// - Between them may only be `presence` events and `text`, `update`, `attribute`
    ///   and `remove` events on other elements. Any other verb stops it: `append` and
    ///   `prepend` replace elements by id wherever they are, `before`, `after` and
    ///   `replace` bring elements whose ids later events may name (a `remove` then an
    ///   `append` of the same id is never merged), and a page's own verb may read
    ///   anything.
    /// - A `remove` of the same element stops it (`text`, `remove`, `text` of one id):
    ///   the id may name another element after it. The content and the attributes of
    ///   one element are independent of each other.
    /// - An event naming an element that the earlier event's HTML may have brought
    ///   (`update`, whose HTML holds that id) stops it.
    /// - A later event from page input, which the page may refuse, only makes an
    ///   earlier event from input pointless, and never an `attribute` (its refusal
    ///   depends on the value).
    ///
    /// Costs one pass over the queue, and a bounded search of HTML for ids.
    mutating func compact() -> Int {
        guard count > 1 else { return 0 }
        var dropped = Set<Int>()
        var keys: [[UInt8]: Keys] = [:]
        /// Content keys of `update`s, whose HTML later events on other ids must not name.
        var withHTML: [(index: Int, id: [UInt8])] = []
        var searchBudget = Self.compactionSearchBudget
        for index in head..<items.count {
            let event = items[index].event
            let footprint = event.footprint
            switch footprint.effect {
            case .presence:
                continue
            case .barrier:
                keys.removeAll(keepingCapacity: true)
                withHTML.removeAll(keepingCapacity: true)
                continue
            case .content, .attribute, .remove:
                break
            }
            let id = footprint.id
            // Earlier HTML that may hold this id: its event must stay.
            withHTML.removeAll { candidate in
                guard candidate.id != id else { return false }
                let members = items[candidate.index].event.members
                searchBudget -= members.count
                guard searchBudget < 0 || Self.contains(id, in: members) else { return false }
                if keys[candidate.id]?.content == candidate.index { keys[candidate.id]?.content = nil }
                return true
            }
            // The content and each attribute of one element are independent of each
            // other; a removal changes which element the id names, for every key.
            let earlier = keys[id] ?? Keys()
            var now = earlier
            now.remove = nil
            switch footprint.effect {
            case .content:
                if let previous = earlier.content, !event.isInput || items[previous].event.isInput { dropped.insert(previous) }
                now.content = index
                if footprint.hasHTML { withHTML.append((index, id)) }
            case .attribute(let name):
                if let previous = earlier.attributes[name], !event.isInput { dropped.insert(previous) }
                now.attributes[name] = index
            case .remove:
                now = Keys()
                if let previous = earlier.remove, !event.isInput || items[previous].event.isInput { dropped.insert(previous) }
                now.remove = index
            case .presence, .barrier:
                break
            }
            keys[id] = now
        }
        guard !dropped.isEmpty else { return 0 }
        var kept: [OutputBatch.Item] = []
        kept.reserveCapacity(count - dropped.count)
        for index in head..<items.count where !dropped.contains(index) {
            kept.append(items[index])
        }
        for index in dropped { byteCount -= items[index].event.byteCount }
        items = kept
        head = 0
        return dropped.count
    }

    /// The last event of each key on one element, that a later one may make pointless.
    private struct Keys {
        var content: Int?
        var remove: Int?
        var attributes: [String: Int] = [:]
    }

    /// Bytes of HTML one compaction searches for ids at most; past that, every earlier
    /// `update` counts as naming every id.
    static let compactionSearchBudget = 256 << 10

    /// Whether `needle` occurs in `haystack`.
    private static func contains(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var start = 0
        let last = haystack.count - needle.count
        while start <= last {
            if haystack[start] == first, haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
            start += 1
        }
        return false
    }
}
