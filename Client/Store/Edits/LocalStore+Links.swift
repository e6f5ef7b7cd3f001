import ConcordCore
import ConcordSQLite
import GRDB

extension LocalStore {
    /// `concord link EVENT EVENT...`: records that the first event and each other one report the same happening
    /// (protocol.md §11): one `same_as` add on the first event per other event. Any analyst may link.
    ///
    /// Refused, with nothing written: linking an event to itself, to a deleted or unknown event, or to a document.
    /// Linking two events already in one link writes nothing for that pair.
    public func link(_ reference: String, to others: [String]) throws -> EditOutcome {
        guard !others.isEmpty else { throw StoreError.invalid("name at least one other event to link to") }
        return try edit { writer in
            let first = try Self.linkable(reference, writer.db)
            var changes: [Change] = []
            var notices: [String] = []
            var seen = Set<EntityID>()
            for other in others {
                let target = try Self.linkable(other, writer.db)
                guard target.id != first.id else {
                    throw StoreError.invalid("\(first.id) cannot be linked to itself; name two different events")
                }
                guard seen.insert(target.id).inserted else { continue }
                if !Self.adds(Schema.distinctFromField, between: first, and: target).isEmpty {
                    throw StoreError.refused(
                        "\(first.id) and \(target.id) were dismissed as different happenings; "
                            + "`concord undismiss \(first.id.id) \(target.id.id)` first if they are one")
                }
                if Self.adds(Schema.sameAsField, between: first, and: target).isEmpty {
                    changes.append(
                        writer.write(first.id, Schema.sameAsField, .add, .string(target.id.rawValue)))
                } else {
                    notices.append("\(first.id) and \(target.id) are already linked; nothing written for them")
                }
            }
            return EditOutcome(entity: first.id, changes: changes, notices: notices)
        }
    }

    /// `concord unlink EVENT EVENT`: removes every live link between the two, in either direction.
    public func unlink(_ a: String, _ b: String) throws -> EditOutcome {
        try edit { writer in
            let first = try LiveRows.version.load(try Self.entityID(matching: a, kind: .event, writer.db), writer.db)
            let second = try LiveRows.version.load(try Self.entityID(matching: b, kind: .event, writer.db), writer.db)
            guard first.id != second.id else {
                throw StoreError.invalid("\(first.id) is never linked to itself; name two different events")
            }
            let changes = Self.removeAdds(Schema.sameAsField, between: first, and: second, &writer)
            guard !changes.isEmpty else {
                throw StoreError.invalid(
                    "\(first.id) and \(second.id) are not linked directly; `concord show EVENT` lists an event's "
                        + "links")
            }
            return EditOutcome(entity: first.id, changes: changes)
        }
    }

    /// An event that may take part in a new link: known, an event, not deleted.
    private static func linkable(_ reference: String, _ db: Database) throws -> LiveEntity {
        if reference.lowercased().hasPrefix("document/") {
            throw StoreError.invalid("\(reference) is a document; links join events that report the same happening")
        }
        let id: EntityID
        do { id = try entityID(matching: reference, kind: .event, db) } catch StoreError.unknownEntity {
            if (try? entityID(matching: reference, kind: .document, db)) != nil {
                throw StoreError.invalid(
                    "\(reference) is a document; links join events that report the same happening")
            }
            throw StoreError.unknownEntity(kind: .event, reference: reference)
        }
        let stored = try LiveRows.version.load(id, db)
        if stored.snapshot.deleted {
            throw StoreError.refused("\(id) is deleted; restore it before linking it (`concord event restore`)")
        }
        return stored
    }

    /// The live adds of `field` (`same_as`, `distinct_from`) joining two events, in either direction.
    private static func adds(_ field: String, between a: LiveEntity, and b: LiveEntity) -> [Version] {
        (a.setAdds[field] ?? []).filter { $0.value.string == b.id.rawValue }
            + (b.setAdds[field] ?? []).filter { $0.value.string == a.id.rawValue }
    }

    /// `concord dismiss A B`: records that two events report different happenings (protocol.md §16), one
    /// `distinct_from` add on A naming B; `concord match` never suggests the pair again, for anyone. Any analyst
    /// may dismiss.
    ///
    /// Refused, with nothing written: an event and itself, a deleted or unknown event, and two events of one
    /// cluster (linked, directly or through others: unlink them first). A pair already dismissed, in either
    /// direction, writes nothing.
    public func dismiss(_ a: String, _ b: String) throws -> EditOutcome {
        try edit { writer in
            let first = try Self.linkable(a, writer.db)
            let second = try Self.linkable(b, writer.db)
            guard first.id != second.id else {
                throw StoreError.invalid("\(first.id) cannot be dismissed from itself; name two different events")
            }
            let clusters = try Self.clusters(writer.db)
            if let cluster = clusters.cluster(of: first.id.rawValue),
                cluster == clusters.cluster(of: second.id.rawValue)
            {
                throw StoreError.refused(
                    "\(first.id) and \(second.id) are linked as one happening (cluster \(cluster)); "
                        + "`concord unlink` them first if they are two")
            }
            guard Self.adds(Schema.distinctFromField, between: first, and: second).isEmpty else {
                return EditOutcome(
                    entity: first.id, changes: [],
                    notices: ["\(first.id) and \(second.id) are already dismissed; nothing written"])
            }
            let change = writer.write(first.id, Schema.distinctFromField, .add, .string(second.id.rawValue))
            return EditOutcome(entity: first.id, changes: [change])
        }
    }

    /// `concord undismiss A B`: takes back every dismissal between the two, in either direction, so `concord
    /// match` may suggest them again.
    public func undismiss(_ a: String, _ b: String) throws -> EditOutcome {
        try edit { writer in
            let first = try LiveRows.version.load(try Self.entityID(matching: a, kind: .event, writer.db), writer.db)
            let second = try LiveRows.version.load(try Self.entityID(matching: b, kind: .event, writer.db), writer.db)
            let changes = Self.removeAdds(Schema.distinctFromField, between: first, and: second, &writer)
            guard !changes.isEmpty else {
                throw StoreError.invalid("\(first.id) and \(second.id) are not dismissed; nothing to take back")
            }
            return EditOutcome(entity: first.id, changes: changes)
        }
    }

    /// Removes every live add of `field` (`same_as`, `distinct_from`) joining the two events, in either direction:
    /// `unlink` and `undismiss`.
    private static func removeAdds(
        _ field: String, between first: LiveEntity, and second: LiveEntity, _ writer: inout ChangeWriter
    ) -> [Change] {
        var changes: [Change] = []
        for (from, to) in [(first, second), (second, first)] {
            let adds = (from.setAdds[field] ?? []).filter { $0.value.string == to.id.rawValue }
            guard !adds.isEmpty else { continue }
            changes.append(
                writer.write(
                    from.id, field, .remove, .string(to.id.rawValue), supersedes: adds.map(\.change).sorted()))
        }
        return changes
    }
}
