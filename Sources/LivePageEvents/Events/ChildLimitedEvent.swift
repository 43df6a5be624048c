/// A verb that adds HTML to an element and may cap how many element children the
/// element keeps: ``Append`` and ``Prepend``.
///
/// A chat or a log that only grows makes a page that is open all day slower and slower;
/// with `limit`, the page drops the oldest children, from the other end than the new
/// ones went in, once the element holds more element children than the limit. Text
/// between elements is not counted and stays.
///
/// From page input `limit` is refused (`400` naming it): it removes what other visitors
/// sent. An input handler sets it on the events it sends on (the demo chat does).
public protocol ChildLimitedEvent: ElementHTMLEvent {
    /// At most this many element children kept in `#id` once the HTML is added, from 1 to
    /// ``limits``'s upper bound (10,000); `nil` keeps them all.
    var limit: Int? { get }
    /// An event putting `html` at the element `id`, keeping at most `limit` element
    /// children there. A limit outside ``limits`` is a programming error and stops the
    /// program.
    init(id: ElementID, html: String, limit: Int?)
}

extension ChildLimitedEvent {
    /// The limits accepted: 1 to 10,000 element children.
    public static var limits: ClosedRange<Int> { 1...10_000 }

    /// `id`, `html`, and `limit` when there is one.
    public var fields: JSONObject {
        var fields: JSONObject = ["id": .string(id.rawValue), "html": .string(html)]
        if let limit { fields["limit"] = .number(JSONNumber(limit)) }
        return fields
    }

    /// Builds the event from `id`, `html` (escaped unless trusted) and the optional `limit`.
    static func make(from fields: EventFields) throws(EventError) -> Self {
        Self(id: try fields.elementID(), html: try fields.html(), limit: try fields.childLimit(in: limits))
    }
}

extension EventFields {
    /// The optional `limit` field: an integer in `range`, as a JSON number or, from a form,
    /// as decimal digits; `nil` when absent or `null` (or empty, from a form).
    /// - Throws: ``EventError/invalidField(_:reason:)`` for `limit` otherwise.
    func childLimit(in range: ClosedRange<Int>) throws(EventError) -> Int? {
        let invalid = EventError.invalidField(
            "limit", reason: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        switch self["limit"] {
        case nil, .null?:
            return nil
        case .number(let number)?:
            guard let limit = number.intValue, range.contains(limit) else { throw invalid }
            return limit
        case .string(let text)? where isForm:
            if text.isEmpty { return nil }
            guard text.utf8.count <= 6, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let limit = Int(text), range.contains(limit)
            else { throw invalid }
            return limit
        case .some:
            throw invalid
        }
    }
}
