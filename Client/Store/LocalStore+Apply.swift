import ConcordCore
import GRDB

/// Where changes being applied come from, which decides their sync state in the log.
enum ChangeOrigin {
    /// Written here: `pending` until pushed.
    case local
    /// Pulled from the server: `remote`, with the server's `seq`.
    case pulled
}

extension LocalStore {
    /// Appends `changes` to the log and folds the new ones into the view. Changes already in the log are skipped
    /// (a pulled copy of an own pending change marks it pushed). Must run inside a write transaction.
    ///
    /// - Returns: the changes that were new.
    @discardableResult
    static func apply(
        _ changes: [(change: Change, seq: Int64?)], origin: ChangeOrigin, _ db: Database
    ) throws -> (fresh: [Change], duplicates: Int) {
        let insert = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO change
                    (id, entity, field, op, value, supersedes, hlc, author, replica, reason, schema, state, serverSeq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let state = origin == .local ? "pending" : "remote"
        var fresh: [Change] = []
        fresh.reserveCapacity(changes.count)
        var duplicates = 0
        for (change, seq) in changes {
            try insert.execute(arguments: [
                change.id.rawValue, change.entity.rawValue, change.field, change.op.rawValue,
                Columns.value(change.value), Columns.ids(change.supersedes), change.hlc.description,
                change.author.rawValue, change.replica.rawValue, change.reason, change.schema, state, seq,
            ])
            if db.changesCount > 0 {
                fresh.append(change)
            } else {
                duplicates += 1
                if origin == .pulled {
                    // Our own change came back from the server: it is pushed, whatever we recorded.
                    try db.cachedStatement(
                        sql: """
                            UPDATE change SET state = 'pushed', serverSeq = ?
                            WHERE id = ? AND (state = 'pending' OR (state = 'pushed' AND serverSeq IS NULL))
                            """
                    ).execute(arguments: [seq, change.id.rawValue])
                }
            }
        }
        try applyToView(fresh, db)
        return (fresh, duplicates)
    }

    /// Folds changes (not yet in the view) into the view, once per touched entity: loads the entity's live rows,
    /// applies the ConcordCore merge, persists the deltas and recomputes the entity's summary row.
    static func applyToView(_ changes: [Change], _ db: Database) throws {
        var order: [EntityID] = []
        var groups: [EntityID: [Change]] = [:]
        for change in changes {
            if groups[change.entity] == nil { order.append(change.entity) }
            groups[change.entity, default: []].append(change)
        }
        for entity in order {
            try applyToView(entity: entity, groups[entity]!, db)
        }
    }

    private static func applyToView(entity: EntityID, _ changes: [Change], _ db: Database) throws {
        let known =
            try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT 1 FROM entity WHERE id = ?"), arguments: [entity.rawValue]) ?? false
        var stored = known ? try StoredEntity.load(entity, db) : StoredEntity(id: entity)

        // The ids among the incoming changes that the store already knows to be retired, by field.
        var retiredByField: [String: Set<ChangeID>] = [:]
        if known {
            let isRetired = try db.cachedStatement(
                sql: "SELECT 1 FROM retired WHERE entity = ? AND field = ? AND change = ?")
            for change in changes where change.op != .append {
                if try Bool.fetchOne(isRetired, arguments: [entity.rawValue, change.field, change.id.rawValue]) ?? false
                {
                    retiredByField[change.field, default: []].insert(change.id)
                }
            }
        }

        var registers: [String: RegisterState] = [:]
        var sets: [String: SetState] = [:]
        let insertVersion = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO version (entity, field, change, kind, value, author, hlc, replica, context)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let deleteVersion = try db.cachedStatement(
            sql: "DELETE FROM version WHERE entity = ? AND field = ? AND change = ?")
        let insertRetired = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO retired (entity, field, change) VALUES (?, ?, ?)")

        func persist(field: String, kind: String, removed: [ChangeID], inserted: Version?, retired: [ChangeID]) throws {
            for id in removed {
                try deleteVersion.execute(arguments: [entity.rawValue, field, id.rawValue])
            }
            for id in retired {
                try insertRetired.execute(arguments: [entity.rawValue, field, id.rawValue])
            }
            if let version = inserted {
                try insertVersion.execute(arguments: [
                    entity.rawValue, field, version.change.rawValue, kind, Columns.value(version.value),
                    version.author.rawValue, version.hlc.description, version.replica.rawValue,
                    Columns.ids(version.context),
                ])
            }
        }

        for change in changes {
            switch change.op {
            case .set:
                var state =
                    registers[change.field]
                    ?? RegisterState(
                        live: stored.registers[change.field] ?? [], retired: retiredByField[change.field] ?? [])
                let delta = state.apply(change)
                registers[change.field] = state
                try persist(
                    field: change.field, kind: VersionKind.register, removed: delta.removed, inserted: delta.inserted,
                    retired: delta.retired)
            case .add, .remove:
                var state =
                    sets[change.field]
                    ?? SetState(adds: stored.setAdds[change.field] ?? [], retired: retiredByField[change.field] ?? [])
                let delta = state.apply(change)
                sets[change.field] = state
                try persist(
                    field: change.field, kind: VersionKind.setAdd, removed: delta.removed, inserted: delta.inserted,
                    retired: delta.retired)
            case .append:
                let version = Version(change)
                stored.notes.append(version)
                try persist(field: change.field, kind: VersionKind.note, removed: [], inserted: version, retired: [])
            }
        }
        for (field, state) in registers { stored.registers[field] = Array(state.live.values) }
        for (field, state) in sets { stored.setAdds[field] = Array(state.adds.values) }
        try writeSummary(stored.snapshot, db)
    }

    /// Replaces the summary row of an entity with what its snapshot shows.
    static func writeSummary(_ snapshot: EntitySnapshot, _ db: Database) throws {
        func text(_ field: String) -> String? { snapshot.fields[field]?.value.string }
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO entity (id, kind, doc, title, type, date, source, published, conflicts, deleted)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            snapshot.id.rawValue, snapshot.id.kind.rawValue, text("doc"), text("title"), text("type"), text("date"),
            text("source"), text("published"), snapshot.conflictCount, snapshot.deleted,
        ])
    }
}
