import ConcordCore
import ConcordSQLite
import GRDB

/// The part of the report's inputs the store keeps up to date as it applies changes, so `concord report` reads a
/// few small tables instead of the whole log (``LocalStore/reportInputs()``).
///
/// Every batch the view folds (``LocalStore/applyToView(_:seqs:_:)``: pulled pages, edits, `rebuild`) notes its
/// changes and its entities' states before and after into one `ReportState`, which then writes the net effect:
///
/// - `report_author`: per author, the changes in the log, the distinct events they wrote any change to (the pairs
///   are kept in `report_author_event`), and their first and last clock.
/// - `report_entity_count`: per entity kind, the entities with a summary row and how many of them are deleted.
/// - `report_entity`: the entities with a register field of two or more live versions (a conflict or an agreement).
/// - `report_superseding`: the `seq`s of the `set` changes that may supersede two or more `set` changes of their own
///   entity and field (resolutions and past episodes), or one or more when they give a reason (an adjudicator's
///   decision). A change `S` is listed when at least two (one) distinct ids of its
///   `supersedes` (other than its own) are not *excluded*, where an id is excluded if the log holds that change
///   before `S` and it is not a `set` of `S`'s entity and field. Ids not in the log before `S` may still turn out to
///   be such changes, so they count: the list may hold a few more changes than the report shows (the finishing step
///   checks each one), never fewer. Most changes listing several ids are deletes, listing the live ids of the
///   entity's other fields: those are excluded from the entity's live rows without a query.
///
/// Each row depends only on the log in its local order and on the view, never on how the log was cut into batches,
/// so applying pages, `rebuild` and the `v3-report-state` migration (``backfill(_:)``) write exactly the same rows.
struct ReportState {
    /// Per author, what the batch adds to `report_author`: the one tally of ConcordCore, fed runs of changes.
    private var authors = AuthorTallies()
    private var entities: [EntityID.Kind: (added: Int, deleted: Int)] = [:]
    /// Entities entering (`true`) or leaving (`false`) `report_entity`.
    private var involved: [EntityID: Bool] = [:]
    private var superseding: [Int64] = []

    /// The report's tables, all derived from the log and the view (see the type's documentation).
    static let tables = [
        "report_author", "report_author_event", "report_entity_count", "report_entity", "report_superseding",
    ]

    /// Notes one entity's changes of a batch, in log order (`seq` ascending), and its state before and after the
    /// batch folded them. `summary` is its summary row before the batch (nil for an entity new to the store). Each
    /// entity of a batch is noted once, with all its changes of the batch.
    mutating func note(
        _ changes: [(change: Change, seq: Int64)], before: LiveEntity, summary: EntitySummary?,
        after: LiveEntity, updated: EntitySummary, _ lookup: LogLookup
    ) throws {
        try noteLog(changes, live: before, lookup)
        let kind = after.id.kind
        if summary == nil { entities[kind, default: (0, 0)].added += 1 }
        if (summary?.deleted ?? false) != updated.deleted {
            entities[kind, default: (0, 0)].deleted += updated.deleted ? 1 : -1
        }
        let wasInvolved = Self.hasSeveralVersions(before)
        let isInvolved = Self.hasSeveralVersions(after)
        if wasInvolved != isInvolved { involved[after.id] = isInvolved }
    }

    private static func hasSeveralVersions(_ entity: LiveEntity) -> Bool {
        entity.registers.values.contains { $0.count >= 2 }
    }

    /// Notes what the log part of the tables needs from one entity's changes (in log order); `live` is the entity's
    /// view before them (only used to recognise listed ids without a query).
    ///
    /// Runs for every applied change, so it avoids hashing per change: the changes are one entity's, so each
    /// author's events gain at most that one entity, and listed ids are searched in the few live rows and changes
    /// at hand rather than indexed.
    private mutating func noteLog(
        _ changes: [(change: Change, seq: Int64)], live: LiveEntity, _ lookup: LogLookup
    ) throws {
        guard let entity = changes.first?.change.entity else { return }
        var start = 0
        while start < changes.count {
            // A run of changes by one author (most runs are one author's edits of the entity).
            let author = changes[start].change.author
            var first = changes[start].change.hlc
            var last = first
            var end = start + 1
            while end < changes.count, changes[end].change.author == author {
                first = min(first, changes[end].change.hlc)
                last = max(last, changes[end].change.hlc)
                end += 1
            }
            authors.add(end - start, by: author, first: first, last: last, event: entity)
            start = end
        }

        for index in changes.indices where ReportInputs.SupersedingChange.isCandidate(changes[index].change) {
            let listed = changes[index].change.supersedes
            let needed = ReportInputs.SupersedingChange.minimumSuperseded(reason: changes[index].change.reason)
            let seq = changes[index].seq
            let own = changes[index].change.id
            let field = changes[index].change.field
            /// Whether the log holds `id` before this change as anything but a `set` of its entity and field.
            func excluded(_ id: ChangeID) throws -> Bool {
                // Live rows were folded before this batch; this batch's changes compare by seq.
                if let other = changes.firstIndex(where: { $0.change.id == id }) {
                    guard changes[other].seq < seq else { return false }
                    return changes[other].change.field != field || changes[other].change.op != .set
                }
                for (liveField, versions) in live.registers where versions.contains(where: { $0.change == id }) {
                    return liveField != field
                }
                if live.setAdds.values.contains(where: { $0.contains { $0.change == id } }) { return true }
                if live.notes.values.contains(where: { $0.contains { $0.change == id } }) { return true }
                guard let found = try lookup.find(id), found.seq < seq else { return false }
                return found.entity != entity.rawValue || found.field != field || found.op != .set
            }
            var possible = 0
            for (position, id) in listed.enumerated() where id != own && !listed[..<position].contains(id) {
                guard try !excluded(id) else { continue }
                possible += 1
                if possible == needed {
                    superseding.append(seq)
                    break
                }
            }
        }
    }

    /// Writes what the noted batch changes in the report's tables.
    func write(_ db: Database) throws {
        if !authors.isEmpty {
            let read = try RawStatement(
                db, sql: "SELECT changes, events, first, last FROM report_author WHERE author = ?")
            let pair = try RawStatement(
                db, sql: "INSERT OR IGNORE INTO report_author_event (author, event) VALUES (?, ?)")
            let write = try RawStatement(
                db,
                sql: """
                    INSERT OR REPLACE INTO report_author (author, changes, events, first, last)
                    VALUES (?, ?, ?, ?, ?)
                    """)
            for noted in authors.entries {
                let name = noted.name
                var tally = (changes: Int64(noted.changes), events: Int64(0), first: noted.first, last: noted.last)
                read.bind(name.rawValue, at: 1)
                let stored = try read.firstRow { row in
                    (row.integer(0), row.integer(1), HLC(stored: row.text(2)), HLC(stored: row.text(3)))
                }
                if let stored {
                    tally.changes += stored.0
                    tally.events = stored.1
                    tally.first = min(tally.first, stored.2)
                    tally.last = max(tally.last, stored.3)
                }
                pair.bind(name.rawValue, at: 1)
                for event in noted.events {
                    pair.bind(event.rawValue, at: 2)
                    try pair.execute()
                    if db.changesCount > 0 { tally.events += 1 }
                }
                write.bind(name.rawValue, at: 1)
                write.bind(tally.changes, at: 2)
                write.bind(tally.events, at: 3)
                write.bind(tally.first.description, at: 4)
                write.bind(tally.last.description, at: 5)
                try write.execute()
            }
        }
        for (kind, counts) in entities where counts.added != 0 || counts.deleted != 0 {
            try db.execute(
                sql: """
                    INSERT INTO report_entity_count (kind, entities, deleted) VALUES (?, ?, ?)
                    ON CONFLICT (kind) DO UPDATE
                    SET entities = entities + excluded.entities, deleted = deleted + excluded.deleted
                    """,
                arguments: [kind.rawValue, counts.added, counts.deleted])
        }
        if !involved.isEmpty {
            let insert = try RawStatement(db, sql: "INSERT OR IGNORE INTO report_entity (id) VALUES (?)")
            let delete = try RawStatement(db, sql: "DELETE FROM report_entity WHERE id = ?")
            for (entity, isInvolved) in involved {
                let statement = isInvolved ? insert : delete
                statement.bind(entity.rawValue, at: 1)
                try statement.execute()
            }
        }
        if !superseding.isEmpty {
            let insert = try RawStatement(db, sql: "INSERT OR IGNORE INTO report_superseding (seq) VALUES (?)")
            for seq in superseding {
                insert.bind(seq, at: 1)
                try insert.execute()
            }
        }
    }

    /// Empties the report's tables (before ``LocalStore/rebuild()`` refolds the log into them).
    static func reset(_ db: Database) throws {
        for table in tables { try db.execute(sql: "DELETE FROM \(table)") }
    }

    /// Fills the report's (empty) tables of a store that has a log and a view but no report tables yet: the
    /// `v3-report-state` migration. The log part goes through the same ``note(_:before:summary:after:updated:_:)``
    /// path as applied batches (in log order, with no live rows to recognise ids from, so every listed id is looked
    /// up); the view part is read from the view, which the fold keeps equal to what it notes.
    static func backfill(_ db: Database) throws {
        let lookup = try LogLookup(db)
        try LocalStore.forEachLogSlice(db) { slice in
            var groups: [EntityID: [(change: Change, seq: Int64)]] = [:]
            for entry in slice { groups[entry.change.entity, default: []].append(entry) }
            var state = ReportState()
            for (entity, changes) in groups {
                try state.noteLog(changes, live: LiveEntity(id: entity), lookup)
            }
            try state.write(db)
        }
        try db.execute(
            sql: """
                INSERT INTO report_entity (id)
                SELECT DISTINCT entity FROM version_row WHERE kind = \(VersionKind.register.sql)
                GROUP BY entity, field HAVING COUNT(*) > 1;
                INSERT INTO report_entity_count (kind, entities, deleted)
                SELECT kind, COUNT(*), TOTAL(deleted != 0) FROM entity GROUP BY kind;
                """)
    }

    /// Finds a change of the log by id: its seq, entity, field and op.
    struct LogLookup {
        private let statement: RawStatement

        init(_ db: Database) throws {
            statement = try RawStatement(db, sql: "SELECT seq, entity, field, op FROM change WHERE id = ?")
        }

        func find(_ id: ChangeID) throws -> (seq: Int64, entity: String, field: String, op: ChangeOp?)? {
            statement.bind(id.rawValue, at: 1)
            return try statement.firstRow { row in
                (row.integer(0), row.text(1), row.text(2), ChangeOp(rawValue: row.text(3)))
            }
        }
    }
}
