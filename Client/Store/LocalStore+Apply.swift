import ConcordCore
import ConcordSQLite
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
    /// A new change written under a schema newer than `understood` goes into the log like any other, but not into
    /// the view (DESIGN §12): a build that understands it folds it when it opens the store.
    ///
    /// - Returns: the changes that were new (folded or not).
    @discardableResult
    static func apply(
        _ changes: [(change: Change, seq: Int64?)], origin: ChangeOrigin, understanding understood: Int,
        _ db: Database
    ) throws -> (fresh: [Change], duplicates: Int) {
        let insert = try RawStatement(
            db,
            sql: """
                INSERT OR IGNORE INTO change
                    (id, entity, field, op, value, supersedes, hlc, author, replica, reason, schema, state, serverSeq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let state = origin == .local ? "pending" : "remote"
        var fresh: [Change] = []
        fresh.reserveCapacity(changes.count)
        var freshSeqs: [Int64] = []
        freshSeqs.reserveCapacity(changes.count)
        var duplicates = 0
        for (change, seq) in changes {
            insert.bind(change.id.rawValue, at: 1)
            insert.bind(change.entity.rawValue, at: 2)
            insert.bind(change.field, at: 3)
            insert.bind(change.op.rawValue, at: 4)
            insert.bind(change.value, at: 5)
            insert.bind(Columns.ids(change.supersedes), at: 6)
            insert.bind(change.hlc.description, at: 7)
            insert.bind(change.author.rawValue, at: 8)
            insert.bind(change.replica.rawValue, at: 9)
            insert.bind(change.reason, at: 10)
            insert.bind(Int64(change.schema), at: 11)
            insert.bind(state, at: 12)
            insert.bind(seq, at: 13)
            try insert.execute()
            if db.changesCount > 0 {
                fresh.append(change)
                freshSeqs.append(db.lastInsertedRowID)
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
        if fresh.allSatisfy({ Schema.understands($0, understanding: understood) }) {
            try applyToView(fresh, seqs: freshSeqs, understanding: understood, db)
        } else {
            let folded = zip(fresh, freshSeqs).filter { Schema.understands($0.0, understanding: understood) }
            try applyToView(folded.map(\.0), seqs: folded.map(\.1), understanding: understood, db)
        }
        return (fresh, duplicates)
    }

    /// Folds changes (not yet in the view) into the view.
    ///
    /// The whole batch is folded in memory, entity by entity, through the ConcordCore merge, starting from the
    /// live rows of every touched entity (read in one query); only the net effect is written: the versions no
    /// longer live are deleted, the new live ones inserted, newly retired ids recorded, and each touched entity's
    /// summary row rewritten once. A version both added and superseded within the batch never reaches the table.
    /// The report's tables are updated from the same batch, once (``ReportState``), and so are the events' creators
    /// and the votes of the events whose coded fields it touched (read back from the log, which holds the batch,
    /// under the `understood` schema).
    ///
    /// `seqs` are the changes' local `seq`s (their order in the log), in which order they must come. They decide
    /// which retired ids need a row: the `retired` table is only read for a change folded for the first time
    /// (new to the log, or refolded by ``rebuild()`` in log order), to tell whether something folded earlier
    /// already superseded it. An id whose change is in the log before the superseding change has been folded
    /// already and never will be again, so its row would never be read; only ids that are not in the log before
    /// the superseding change (superseded before their own change arrived) get a row. Most superseded ids were
    /// live versions, so this saves a row write per edit; the rule depends only on log order, so ``rebuild()``
    /// writes exactly the rows the incremental path wrote.
    static func applyToView(_ changes: [Change], seqs: [Int64], understanding understood: Int, _ db: Database) throws {
        guard !changes.isEmpty else { return }
        precondition(changes.count == seqs.count)
        var order: [EntityID] = []
        var groups: [EntityID: [(change: Change, seq: Int64)]] = [:]
        for (change, seq) in zip(changes, seqs) {
            if groups[change.entity] == nil { order.append(change.entity) }
            groups[change.entity, default: []].append((change, seq))
        }
        try noteCreators(groups, db)
        let known = try knownEntities(order, db)
        let stored = try StoredEntity.loadAll(known.keys, db)
        let writer = try ViewWriter(db)
        let lookup = try ReportState.LogLookup(db)
        var report = ReportState()
        for entity in order {
            let before = stored[entity] ?? StoredEntity(id: entity)
            let after = try fold(groups[entity]!, into: before, summary: known[entity], writer)
            try report.note(
                groups[entity]!, before: before, summary: known[entity], after: after.entity, updated: after.summary,
                lookup)
        }
        try report.write(db)
        let voted = order.filter { entity in groups[entity]!.contains { touchesVotes(entity, field: $0.change.field) } }
        try refreshVotes(
            of: voted, new: Set(voted.filter { known[$0] == nil }), understanding: understood, db)
    }

    /// Keeps `event_creator`: for each event of the batch, its earliest change by (hlc, id) replaces the stored one
    /// when earlier. One upsert per event per batch.
    private static func noteCreators(_ groups: [EntityID: [(change: Change, seq: Int64)]], _ db: Database) throws {
        let upsert = try RawStatement(
            db,
            sql: """
                INSERT INTO event_creator (entity, key, author) VALUES (?, ?, ?)
                ON CONFLICT(entity) DO UPDATE SET key = excluded.key, author = excluded.author
                WHERE excluded.key < event_creator.key
                """)
        for (entity, changes) in groups where entity.kind == .event {
            guard
                let first = changes.lazy.map(\.change).min(by: {
                    ($0.hlc, $0.id.rawValue) < ($1.hlc, $1.id.rawValue)
                })
            else { continue }
            upsert.bind(entity.rawValue, at: 1)
            upsert.bind(first.hlc.description + " " + first.id.rawValue, at: 2)
            upsert.bind(first.author.rawValue, at: 3)
            try upsert.execute()
        }
    }

    /// The entities of `ids` that have a summary row (and so may have live and retired rows), with that row.
    private static func knownEntities(_ ids: [EntityID], _ db: Database) throws -> [EntityID: EntitySummary] {
        let statement = try RawStatement(
            db,
            sql: "SELECT id, \(EntitySummary.columns) FROM entity WHERE id IN (SELECT value FROM json_each(?))")
        statement.bind(RawStatement.jsonArray(ids.map(\.rawValue)), at: 1)
        var known: [EntityID: EntitySummary] = [:]
        try statement.forEachRow { row in
            known[EntityID(stored: row.text(0))] = EntitySummary(row: row, from: 1)
        }
        return known
    }

    /// A field's merge state during a batch, with the ids that were live before it (to write only the net delta).
    private struct FieldFold<State> {
        var state: State
        let initial: Set<ChangeID>
        /// Ids this batch retired that were not live (so may not be in the log yet), with the seq of the change
        /// that retired them.
        var retired: [(id: ChangeID, by: Int64)] = []

        /// Notes what one change's delta retired: ids it removed from the live versions were folded before it and
        /// need no row; the others are checked against the log when the batch is written.
        mutating func note(retired: [ChangeID], removed: [ChangeID], by seq: Int64) {
            for id in retired where !removed.contains(id) { self.retired.append((id, seq)) }
        }
    }

    /// Folds one entity's changes into its stored state and writes the net effect; `summary` is its summary row
    /// if the store knows the entity (the row is rewritten only if it changes). Returns the entity's new state.
    private static func fold(
        _ changes: [(change: Change, seq: Int64)], into stored: StoredEntity, summary: EntitySummary?,
        _ writer: ViewWriter
    ) throws -> (entity: StoredEntity, summary: EntitySummary) {
        let known = summary != nil
        var stored = stored
        let entity = stored.id
        // The ids among the incoming changes that the store already knows to be retired, by field.
        var retiredByField: [String: Set<ChangeID>] = [:]
        if known {
            for (change, _) in changes where change.op != .append {
                if try writer.isRetired(entity: entity, field: change.field, change: change.id) {
                    retiredByField[change.field, default: []].insert(change.id)
                }
            }
        }

        var registers: [String: FieldFold<RegisterState>] = [:]
        var sets: [String: FieldFold<SetState>] = [:]
        var notes: [(field: String, version: Version)] = []
        for (change, seq) in changes {
            switch change.op {
            case .set:
                if registers[change.field] == nil {
                    let live = stored.registers[change.field] ?? []
                    registers[change.field] = FieldFold(
                        state: RegisterState(live: live, retired: retiredByField[change.field] ?? []),
                        initial: Set(live.map(\.change)))
                }
                let delta = registers[change.field]!.state.apply(change)
                registers[change.field]!.note(retired: delta.retired, removed: delta.removed, by: seq)
            case .add, .remove:
                if sets[change.field] == nil {
                    let adds = stored.setAdds[change.field] ?? []
                    sets[change.field] = FieldFold(
                        state: SetState(adds: adds, retired: retiredByField[change.field] ?? []),
                        initial: Set(adds.map(\.change)))
                }
                let delta = sets[change.field]!.state.apply(change)
                sets[change.field]!.note(retired: delta.retired, removed: delta.removed, by: seq)
            case .append:
                notes.append((change.field, Version(change)))
            }
        }

        // A version new to the view comes from one of this batch's changes; its row points at that change's seq.
        let seqs = Dictionary(changes.map { ($0.change.id, $0.seq) }) { first, _ in first }
        func seq(of id: ChangeID) -> Int64 { seqs[id]! }

        func persist(
            field: String, kind: String, initial: Set<ChangeID>, final: [ChangeID: Version],
            retired: [(id: ChangeID, by: Int64)]
        ) throws {
            for id in initial where final[id] == nil {
                try writer.deleteVersion(entity: entity, field: field, change: id)
            }
            for id in final.keys where !initial.contains(id) {
                try writer.insertVersion(entity: entity, field: field, kind: kind, change: id, seq: seq(of: id))
            }
            for (id, seq) in retired where try !writer.isInLog(id, before: seq) {
                try writer.insertRetired(entity: entity, field: field, change: id)
            }
        }
        for (field, fold) in registers {
            try persist(
                field: field, kind: VersionKind.register, initial: fold.initial, final: fold.state.live,
                retired: fold.retired)
            stored.registers[field] = Array(fold.state.live.values)
        }
        for (field, fold) in sets {
            try persist(
                field: field, kind: VersionKind.setAdd, initial: fold.initial, final: fold.state.adds,
                retired: fold.retired)
            stored.setAdds[field] = Array(fold.state.adds.values)
        }
        for (field, note) in notes {
            try writer.insertVersion(
                entity: entity, field: field, kind: VersionKind.note, change: note.change, seq: seq(of: note.change))
        }
        stored.notes += notes.map(\.version)
        let updated = EntitySummary(stored.snapshot)
        if updated != summary { try writer.writeSummary(entity, updated) }
        return (stored, updated)
    }
}
