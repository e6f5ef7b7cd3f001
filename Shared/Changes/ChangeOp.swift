/// What a change does to its field.
public enum ChangeOp: String, Hashable, Sendable, Codable, CaseIterable {
    /// Writes a register version.
    case set
    /// Adds an element to an add-wins set.
    case add
    /// Removes the `add`s listed in `supersedes` from a set.
    case remove
    /// Appends to an append-only list (notes).
    case append

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let op = ChangeOp(rawValue: text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "unknown op \"\(text)\": expected set, add, remove or append"))
        }
        self = op
    }
}
