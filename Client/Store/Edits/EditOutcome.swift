import ConcordCore

/// What an edit wrote, and anything the user should be told about it (printed on stderr by the CLI).
public struct EditOutcome: Hashable, Sendable {
    /// The entity edited.
    public var entity: EntityID
    /// The changes written, possibly none when the edit changed nothing.
    public var changes: [Change]
    /// Sentences for the user, e.g. that a field is in conflict.
    public var notices: [String]

    public init(entity: EntityID, changes: [Change], notices: [String] = []) {
        self.entity = entity
        self.changes = changes
        self.notices = notices
    }
}
