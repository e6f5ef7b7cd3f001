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
    /// the view (protocol.md §12): a build that understands it folds it when it opens the store.
    ///
    /// With `fold` false (a long pull's pages), the new changes only go into the log, and the view's backlog
    /// (LocalStore+Backlog.swift) records them; with `fold` true, any backlog is folded first.
    ///
    /// - Returns: the changes that were new (folded or not).
    @discardableResult
    static func apply(
        _ changes: [(change: Change, seq: Int64?)], origin: ChangeOrigin, understanding understood: Int,
        fold: Bool = true, _ db: Database
    ) throws -> (fresh: [Change], duplicates: Int) {
        if fold {
            try foldBacklog(understanding: understood, db)
        } else {
            try finishBegunFold(understanding: understood, db)
        }
        let insert = try RawStatement(
            db,
            sql: """
                INSERT OR IGNORE INTO change
                    (id, entity, field, op, value, supersedes, hlc, author, replica, reason, schema, state, serverSeq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let state = origin == .local ? LogState.pending : .remote
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
            insert.bind(state.rawValue, at: 12)
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
                            UPDATE change SET state = \(LogState.pushed.sql), serverSeq = ?
                            WHERE id = ? AND (state = \(LogState.pending.sql)
                                OR (state = \(LogState.pushed.sql) AND serverSeq IS NULL))
                            """
                    ).execute(arguments: [seq, change.id.rawValue])
                }
            }
        }
        if !fold {
            if let first = freshSeqs.first { try markBehind(from: first, through: freshSeqs.last!, db) }
        } else if fresh.allSatisfy({ Schema.understands($0, understanding: understood) }) {
            try applyToView(fresh, seqs: freshSeqs, understanding: understood, db)
        } else {
            let folded = zip(fresh, freshSeqs).filter { Schema.understands($0.0, understanding: understood) }
            try applyToView(folded.map(\.0), seqs: folded.map(\.1), understanding: understood, db)
        }
        return (fresh, duplicates)
    }

    /// Folds changes (not yet in the view) into the view.
    ///
    /// The store loads the live rows of every touched entity (one query) and which of the batch's ids are already
    /// retired, folds each entity's changes through ``BatchFold`` (the fold the server's stores call too), and
    /// writes only the net effect: the versions no longer live are deleted, the new live ones inserted, the retired
    /// ids it names recorded, and each touched entity's summary row rewritten once. The report's tables are updated
    /// from the same batch, once (``ReportState``), and so are the events' creators and the votes of the events
    /// whose coded fields it touched (read back from the log, which holds the batch, under the `understood` schema).
    ///
    /// `seqs` are the changes' local `seq`s (their order in the log), in which order each entity's changes must
    /// come (entities fold independently, so the batch as a whole need not be in order): a version's
    /// row points at its change's `seq`, and a retired id whose change the log held before the retiring change's
    /// `seq` gets no row (it was folded then and never will be again; in the server's order most retired ids are
    /// versions superseded twice). Both depend only on log order, so ``rebuild()`` (which refolds each entity's
    /// log rows in `seq` order) writes exactly the rows the incremental path wrote.
    ///
    /// `rejected` are the ids among `changes` the server refused (a rebuild's or backlog's own rejected changes):
    /// folded like the others, but no one's vote.
    static func applyToView(
        _ changes: [Change], seqs: [Int64], understanding understood: Int, rejected: Set<ChangeID> = [],
        _ db: Database
    ) throws {
        guard !changes.isEmpty else { return }
        precondition(changes.count == seqs.count)
        var order: [EntityID] = []
        var groups: [EntityID: [(change: Change, seq: Int64)]] = [:]
        for (change, seq) in zip(changes, seqs) {
            if groups[change.entity] == nil { order.append(change.entity) }
            groups[change.entity, default: []].append((change, seq))
        }
        // In id order: the rows of each table are written in key order, each page of its B-tree visited once.
        order.sort()
        try noteCreators(groups, db)
        let known = try knownEntities(order, db)
        let stored = try LiveRows.version.loadAll(known.keys, db)
        let writer = try ViewWriter(db)
        let lookup = try ReportState.LogLookup(db)
        var report = ReportState()
        // One fold per entity: its state is freed before the next (a 20k-change page touches thousands).
        for entity in order {
            let group = groups[entity]!
            let before = stored[entity] ?? LiveEntity(id: entity)
            let retired = known[entity] == nil ? [:] : try retiredIDs(group, writer)
            var fold = BatchFold(retired: retired) { key in
                before.supersedable(key.field)
            }
            for (change, _) in group { fold.apply(change) }
            var after = before
            try write(fold.deltas, of: group, into: &after, writer)
            let updated = EntitySummary(after.snapshot)
            if updated != known[entity] { try writer.writeSummary(entity, updated) }
            try report.note(group, before: before, summary: known[entity], after: after, updated: updated, lookup)
        }
        try report.write(db)
        let voted = order.filter { entity in groups[entity]!.contains { touchesVotes(entity, field: $0.change.field) } }
        // An event new to the view has no log rows but this batch's (and rows of schemas it does not fold).
        let new = Dictionary(
            uniqueKeysWithValues: voted.lazy.filter { known[$0] == nil }.map { ($0, groups[$0]!.map(\.change)) })
        try refreshVotes(of: voted, new: new, rejected: rejected, understanding: understood, db)
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

    /// The ids of an entity's changes that the store already knows to be retired in their field.
    private static func retiredIDs(
        _ changes: [(change: Change, seq: Int64)], _ writer: ViewWriter
    ) throws -> [FieldKey: Set<ChangeID>] {
        var retired: [FieldKey: Set<ChangeID>] = [:]
        for (change, _) in changes where change.op != .append {
            if try writer.isRetired(entity: change.entity, field: change.field, change: change.id) {
                retired[FieldKey(change), default: []].insert(change.id)
            }
        }
        return retired
    }

    /// Writes the net effect of an entity's changes (``BatchFold/deltas``) to the view's rows and to `stored`. A
    /// new live version's row points at its change's `seq`.
    private static func write(
        _ deltas: [BatchFold.Delta], of changes: [(change: Change, seq: Int64)], into stored: inout LiveEntity,
        _ writer: ViewWriter
    ) throws {
        let seqOf = Dictionary(changes.lazy.map { ($0.change.id, $0.seq) }) { first, _ in first }
        for delta in deltas {
            let (entity, field) = (delta.key.entity, delta.key.field)
            let kind = VersionKind(delta.kind)
            for id in delta.removed {
                try writer.deleteVersion(entity: entity, field: field, change: id)
            }
            for version in delta.inserted {
                try writer.insertVersion(
                    entity: entity, field: field, kind: kind, change: version.change, seq: seqOf[version.change]!)
            }
            // An id already in the log when its retiring change came was folded then, and never will be again. An
            // id of this batch is in the log at the seq it was just given; only others are looked up.
            for retirement in delta.retired {
                let by = changes[retirement.by].seq
                let inLog = try seqOf[retirement.id].map { $0 < by } ?? writer.isInLog(retirement.id, before: by)
                if !inLog { try writer.insertRetired(entity: entity, field: field, change: retirement.id) }
            }
            switch delta.kind {
            case .register: stored.registers[field] = delta.live
            case .set: stored.setAdds[field] = delta.live
            case .list: stored.notes[field, default: []] += delta.inserted
            }
        }
    }
}
