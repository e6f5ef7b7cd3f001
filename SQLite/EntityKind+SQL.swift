import ConcordCore

extension EntityID.Kind {
    /// An SQLite condition that the entity id in `column` is of this kind, the one spelling the stores use: a range
    /// over the ids' prefix (`event/` up to `event0`, the character after `/`), which an index on the column serves,
    /// where `substr` or `LIKE` would scan. Migrations keep the text they were written with.
    public func sqlCondition(_ column: String) -> String {
        "(\(column) >= '\(rawValue)/' AND \(column) < '\(rawValue)0')"
    }
}
