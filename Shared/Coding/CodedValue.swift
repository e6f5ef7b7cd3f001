/// A coder's value for one unit of a coded field.
///
/// Registers (`type`, `date`, `location`, `country`, `confidence`, `mode`) are labels; dates stay the text as
/// coded (`"2025"`, `"2025-07"`, `"2025-07-11"`). Sets (`actors`, `recipients`, `context`) are sorted and
/// deduplicated, so two equal sets compare equal.
public enum CodedValue: Hashable, Sendable {
    case label(String)
    case set([String])

    /// A set value from elements in any order, possibly repeated.
    public static func set(fromUnsorted elements: some Sequence<String>) -> CodedValue {
        .set(Array(Set(elements)).sorted())
    }

    /// The label, or nil for a set.
    public var label: String? {
        if case .label(let text) = self { return text }
        return nil
    }

    /// The elements of a set value; a label counts as the set holding only itself.
    public var elements: [String] {
        switch self {
        case .label(let text): [text]
        case .set(let elements): elements
        }
    }
}

extension CodedValue: CustomStringConvertible {
    /// The label itself, or a set's elements joined by ", " inside braces.
    public var description: String {
        switch self {
        case .label(let text): text
        case .set(let elements): "{" + elements.joined(separator: ", ") + "}"
        }
    }
}
