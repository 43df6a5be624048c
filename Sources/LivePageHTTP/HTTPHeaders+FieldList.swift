extension HTTPHeaders {
    /// The fields of a list, in order, with the first held inline: a request that sends only
    /// `Host` (as load generators and many clients do) costs no array, since an empty array
    /// is a shared constant. Further fields go to an array, as before.
    struct FieldList: RandomAccessCollection, Equatable, Sendable {
        /// The first field; `nil` only when the list is empty.
        private var leading: Field?
        /// The fields after the first.
        private var rest: [Field] = []

        /// An empty list.
        init() {}

        /// The fields of `fields`, in order.
        init(_ fields: some Sequence<Field>) {
            for field in fields { append(field) }
        }

        var startIndex: Int { 0 }
        var endIndex: Int { leading == nil ? 0 : rest.count + 1 }

        subscript(position: Int) -> Field {
            get {
                precondition(position >= 0 && position < endIndex, "field index out of range")
                // The precondition holds `leading` non-nil when position is 0.
                return position == 0 ? leading.unsafelyUnwrapped : rest[position - 1]
            }
            set {
                precondition(position >= 0 && position < endIndex, "field index out of range")
                if position == 0 { leading = newValue } else { rest[position - 1] = newValue }
            }
        }

        /// The position of the first field named `name` (ignoring ASCII case), or `nil`.
        ///
        /// Every request looks a field or two up (`Origin`), so this reads each name in
        /// place: going through `Collection`'s `first(where:)` copied the list and each
        /// field, about seventeen reference-count calls for one lookup in one field.
        func firstIndex(named name: String) -> Int? {
            guard let leadingName = leading?.name else { return nil }
            if HTTPHeaders.name(leadingName, equals: name) { return 0 }
            for index in rest.indices where HTTPHeaders.name(rest[index].name, equals: name) {
                return index + 1
            }
            return nil
        }

        /// The value of the field at `position`.
        func value(at position: Int) -> String {
            precondition(position >= 0 && position < endIndex, "field index out of range")
            return position == 0 ? leading.unsafelyUnwrapped.value : rest[position - 1].value
        }

        /// Adds `field` at the end.
        mutating func append(_ field: Field) {
            if leading == nil { leading = field } else { rest.append(field) }
        }

        /// Removes the field at `position`; the later ones move up.
        mutating func remove(at position: Int) {
            precondition(position >= 0 && position < endIndex, "field index out of range")
            if position > 0 {
                rest.remove(at: position - 1)
            } else if rest.isEmpty {
                leading = nil
            } else {
                leading = rest.removeFirst()
            }
        }

        /// Removes the fields for which `shouldRemove` is true, keeping the others' order.
        mutating func removeAll(where shouldRemove: (Field) -> Bool) {
            self = FieldList(filter { !shouldRemove($0) })
        }
    }
}
