import Foundation

extension CodedValue {
    /// How a store keeps a vote's value in one TEXT column: a label as its own text, a set as a JSON array of its
    /// elements (sorted, as a set value always is). Which of the two a column holds follows from the field.
    public var storedText: String {
        switch self {
        case .label(let text): return text
        case .set(let elements):
            var out = "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                CodingJSON.quote(element, into: &out)
            }
            return out + "]"
        }
    }

    /// The value ``storedText`` wrote for a field that is a set (`isSet`) or a register; nil for a set column that
    /// is not a JSON array of strings.
    public init?(storedText text: String, isSet: Bool) {
        guard isSet else {
            self = .label(text)
            return
        }
        var text = text
        let fast = text.withUTF8 { utf8 in
            var reader = WireJSONReader(UnsafeRawBufferPointer(utf8))
            return try? reader.stringArray()
        }
        if let fast {
            self = .set(fast)
        } else if let decoded = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) {
            self = .set(decoded)
        } else {
            return nil
        }
    }
}
