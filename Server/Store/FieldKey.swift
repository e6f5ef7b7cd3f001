import ConcordCore

/// One field of one entity: the scope of a register, a set or a note list in the merged view.
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

    /// How the field merges, or nil for a field outside the schema.
    public var kind: Schema.Kind? { Schema.field(field, of: entity.kind)?.kind }
}

extension EntitySnapshot {
    /// Builds an entity's snapshot from its persisted live rows, grouped by field.
    static func build(id: EntityID, live: [String: [Version]]) -> EntitySnapshot {
        var registers: [String: [Version]] = [:]
        var setAdds: [String: [Version]] = [:]
        var notes: [Version] = []
        for (field, versions) in live {
            switch Schema.field(field, of: id.kind)?.kind {
            case .register: registers[field] = versions
            case .set: setAdds[field] = versions
            case .list: notes += versions
            case nil: break
            }
        }
        return EntitySnapshot(id: id, registers: registers, setAdds: setAdds, notes: notes)
    }
}
