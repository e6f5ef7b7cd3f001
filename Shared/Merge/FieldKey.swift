/// One field of one entity: the scope of a register, a set or a note list in the merged view, and of a
/// ``BatchFold/Delta``.
public struct FieldKey: Hashable, Sendable, Comparable {
    public var entity: EntityID
    public var field: String

    public init(entity: EntityID, field: String) {
        self.entity = entity
        self.field = field
    }

    public init(_ change: Change) {
        self.init(entity: change.entity, field: change.field)
    }

    public static func < (lhs: FieldKey, rhs: FieldKey) -> Bool {
        (lhs.entity, lhs.field) < (rhs.entity, rhs.field)
    }
}
