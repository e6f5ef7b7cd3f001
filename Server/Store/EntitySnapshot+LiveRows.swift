import ConcordCore

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
