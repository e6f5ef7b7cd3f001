import ConcordCore
import ConcordSQLite
import Foundation
import GRDB

extension LocalStore {
    /// The store's metadata and counts.
    public func metadata() throws -> StoreMetadata {
        try read { db in try Self.metadata(db) }
    }

    static func metadata(_ db: Database) throws -> StoreMetadata {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT analyst, replica, server, token, role, pullCursor, clock, lastSync, caFile FROM store")
        else {
            throw StoreError.invalid("the store has no metadata row; it was not created by `concord init`")
        }
        let counts = try Row.fetchOne(
            db,
            sql: """
                SELECT (SELECT COUNT(*) FROM change),
                       (SELECT COUNT(*) FROM change WHERE state = \(LogState.pending.sql)),
                       (SELECT COUNT(*) FROM change WHERE state = \(LogState.rejected.sql)),
                       (SELECT COUNT(*) FROM entity WHERE kind = 'event'),
                       (SELECT COUNT(*) FROM entity WHERE kind = 'document')
                """)!
        return StoreMetadata(
            analyst: try AnalystName(row[0] as String), replica: try ReplicaID(row[1] as String), server: row[2],
            token: row[3], caFile: row[8], role: Role(rawValue: row[4]) ?? .analyst, pullCursor: row[5],
            lastSync: (row[7] as Double?).map {
                Date(timeIntervalSince1970: $0)
            }, clock: try HLC(row[6] as String), changeCount: counts[0], pendingCount: counts[1],
            rejectedCount: counts[2], eventCount: counts[3], documentCount: counts[4])
    }

    /// Own changes not yet pushed, in local order.
    public func pendingChanges(limit: Int) throws -> [Change] {
        try read { db in
            try Self.changes(
                db, where: "state = \(LogState.pending.sql) ORDER BY seq LIMIT ?", arguments: [limit])
        }
    }

    /// Number of own changes not yet pushed.
    public func pendingCount() throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM change WHERE state = \(LogState.pending.sql)") ?? 0
        }
    }

    /// Marks own pending changes as accepted by the server.
    public func markPushed(_ ids: [ChangeID]) throws {
        // One statement for the whole accepted batch (up to 5,000 ids), not one per change.
        try write { db in
            let statement = try RawStatement(
                db,
                sql: """
                    UPDATE change SET state = \(LogState.pushed.sql)
                    WHERE state = \(LogState.pending.sql) AND id IN (SELECT value FROM json_each(?))
                    """)
            statement.bind(RawStatement.jsonArray(ids.map(\.rawValue)), at: 1)
            try statement.execute()
        }
    }

    /// Sets a change the server refused aside: it stays in the log and the view but is no longer pending, and no
    /// longer counts as its author's vote.
    public func markRejected(_ id: ChangeID, reason: String) throws {
        try write { db in
            try db.execute(
                sql:
                    "UPDATE change SET state = \(LogState.rejected.sql), rejectReason = ? WHERE id = ? AND state = \(LogState.pending.sql)",
                arguments: [reason, id.rawValue])
            guard db.changesCount > 0,
                let row = try Row.fetchOne(
                    db, sql: "SELECT entity, field FROM change WHERE id = ?", arguments: [id.rawValue])
            else { return }
            let entity = EntityID(stored: row[0])
            // Only a change of an event's coded field is a vote (the same test applyToView makes).
            guard Self.touchesVotes(entity, field: row[1]) else { return }
            try Self.refreshVotes(of: [entity], understanding: understoodSchema, db)
        }
    }

    /// Changes the server refused, in local order, with its reasons.
    public func rejectedChanges() throws -> [(change: Change, reason: String)] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT \(Columns.changeSelection), rejectReason FROM change WHERE state = \(LogState.rejected.sql) ORDER BY seq"
            )
            return try rows.map { row -> (change: Change, reason: String) in
                (change: try Columns.change(row), reason: (row[11] as String?) ?? "")
            }
        }
    }

    /// One transaction: applies the pulled changes through the merge (duplicates ignored; a pulled change that is
    /// our own pending one marks it pushed), advances the clock past every received hlc, stores `cursor`. A change
    /// written under a newer schema than ``understoodSchema`` is kept in the log but not folded (protocol.md §12;
    /// ``newerSchemaCount()``), and the cursor moves past it all the same.
    ///
    /// `withheld` are the blind documents whose changes the server left out of `(after, cursor]` (protocol.md §15):
    /// the range is recorded with the page, so what was withheld is asked for once the document opens.
    ///
    /// With `fold` false (a pull of several pages), the changes only go into the log: ``foldBacklog()`` folds them
    /// once the last page is in (LocalStore+Backlog.swift).
    public func applyPulled(
        _ changes: [Wire.SequencedChange], cursor: Int64, withheld: [EntityID] = [], after: Int64 = 0,
        cursorID: String? = nil, fold: Bool = true
    ) throws -> PullApplyResult {
        try write { db in
            try Self.noteKnown(seq: cursor, id: cursorID, db)
            for document in withheld { try Self.recordWithheld(document, after: after, through: cursor, db) }
            let result = try applyReceived(changes, fold: fold, db)
            try db.execute(sql: "UPDATE store SET pullCursor = ?", arguments: [cursor])
            return result
        }
    }

    /// Applies changes received from the server (a pulled page, a backfill page) inside the caller's transaction,
    /// and advances the clock past every received hlc.
    func applyReceived(_ changes: [Wire.SequencedChange], fold: Bool = true, _ db: Database) throws
        -> PullApplyResult
    {
        // Only the clock: `metadata` also counts the log, a scan per page.
        let stored = try String.fetchOne(db, sql: "SELECT clock FROM store") ?? HLC.zero.description
        var clock = HybridClock(last: try HLC(stored))
        let wall = now()
        for sequenced in changes { clock.receive(sequenced.change.hlc, wall: wall) }
        let result = try Self.apply(
            changes.map { ($0.change, $0.seq) }, origin: .pulled, understanding: understoodSchema, fold: fold, db)
        try db.execute(sql: "UPDATE store SET clock = ?", arguments: [clock.last.description])
        return PullApplyResult(applied: result.fresh.count, duplicates: result.duplicates)
    }

    /// Folds the view's backlog that pulls with `fold` false left (LocalStore+Backlog.swift), if any: one
    /// transaction a slice of whole entities holding at least `rowsPerSlice` changes (fewer when fewer are
    /// left), `slices` of them at most: a fold killed or stopped half-way resumes where it stopped.
    ///
    /// A second, read-only connection reads the next slices on a thread of its own while this one folds (reading
    /// a slice back is about a third of the work). Each slice is folded only if no other connection wrote to the
    /// store since the slices were planned (`PRAGMA data_version`); else the rest is read and folded here, a slice
    /// a transaction.
    public func foldBacklog(rowsPerSlice: Int = LocalStore.backlogSlice, slices: Int = .max) throws {
        let understood = understoodSchema
        guard
            let (point, version) = try write({ db -> ((from: Int64, done: String), Int64)? in
                guard let point = try Self.backlogPoint(db) else { return nil }
                try Self.ensureEntityIndex(db)
                return (point, try Self.dataVersion(db))
            })
        else { return }
        var folded = 0
        do {
            let reader = try DatabaseQueue(path: path, configuration: Self.readerConfiguration())
            defer { try? reader.close() }
            let plans = try reader.read { db in
                try Self.planBacklog(
                    from: point.from, after: point.done, rowsPerSlice: rowsPerSlice, slices: slices, db)
            }
            let ahead = Handoff<(SlicePlan, SliceRows)>(capacity: 1)
            defer { ahead.cancel() }
            Thread.detachNewThread {
                do {
                    for plan in plans {
                        let rows = try reader.read { db in
                            try Self.readSlice(plan, from: point.from, understanding: understood, db)
                        }
                        guard ahead.put((plan, rows)) else { return }
                    }
                    ahead.finish(nil)
                } catch {
                    ahead.finish(error)
                }
            }
            while let (plan, rows) = try ahead.take() {
                let done = try write { db -> Bool in
                    guard try Self.dataVersion(db) == version else { return false }
                    try Self.fold(plan, read: rows, understanding: understood, db)
                    return true
                }
                guard done else { break }
                folded += 1
            }
        } catch let error as DatabaseError {
            throw Self.mapError(error, path: path)
        }
        while folded < slices,
            try write({ db in try Self.foldBacklogSlice(understanding: understood, rowsPerSlice: rowsPerSlice, db) })
        {
            folded += 1
        }
    }

    /// Whether the view lacks log rows that pulls left to fold (LocalStore+Backlog.swift).
    public func hasBacklog() throws -> Bool {
        try read { db in try Self.viewBehind(db) != nil }
    }

    /// Records the role the server gave this analyst.
    public func setRole(_ role: Role) throws {
        try write { db in try db.execute(sql: "UPDATE store SET role = ?", arguments: [role.rawValue]) }
    }

    /// Changes the sync server and token (nil clears them).
    public func setServer(url: String?, token: String?) throws {
        if token != nil { try checkTokenIsPrivate() }
        try write { db in try db.execute(sql: "UPDATE store SET server = ?, token = ?", arguments: [url, token]) }
    }

    /// Sets the certificate authorities an `https` server is checked against (nil: the system's trust store).
    public func setCAFile(_ path: String?) throws {
        try write { db in try db.execute(sql: "UPDATE store SET caFile = ?", arguments: [path]) }
    }

    /// Records when the last successful sync ended.
    public func recordSync(at date: Date) throws {
        try write { db in
            try db.execute(sql: "UPDATE store SET lastSync = ?", arguments: [date.timeIntervalSince1970])
        }
    }

    /// The entities whose view row counts at least one open conflict, sorted.
    static func conflictedEntities(_ db: Database) throws -> [EntityID] {
        try String.fetchAll(db, sql: "SELECT id FROM entity WHERE conflicts > 0 ORDER BY id").map { try EntityID($0) }
    }

    /// The merged state of an entity, or nil if the store has never seen a change to it.
    public func snapshot(of id: EntityID) throws -> EntitySnapshot? {
        try read { db in
            let known =
                try Bool.fetchOne(db, sql: "SELECT 1 FROM entity WHERE id = ?", arguments: [id.rawValue]) ?? false
            return known ? try LiveRows.version.load(id, db).snapshot : nil
        }
    }

    /// The whole log in local order.
    public func allChanges() throws -> [Change] {
        try read { db in try Self.changes(db, where: "1 ORDER BY seq", arguments: []) }
    }

    static func changes(_ db: Database, where clause: String, arguments: StatementArguments) throws -> [Change] {
        let rows = try Row.fetchCursor(
            db, sql: "SELECT \(Columns.changeSelection) FROM change WHERE \(clause)", arguments: arguments)
        var out: [Change] = []
        while let row = try rows.next() { out.append(try Columns.change(row)) }
        return out
    }

    /// Drops the view (and the report's tables) in one transaction, then folds the whole log into it again, a slice
    /// of entities a transaction (``foldBacklog()``; a rebuild killed half-way is finished when the store is next
    /// opened). The view holds the changes of every schema up to ``understoodSchema``; newer ones stay in the log
    /// only (protocol.md §12).
    ///
    /// `rowsPerSlice` and `slices` as for ``foldBacklog(rowsPerSlice:slices:)``.
    public func rebuild(rowsPerSlice: Int = LocalStore.backlogSlice, slices: Int = .max) throws {
        try write { db in try Self.emptyView(understanding: understoodSchema, db) }
        try foldBacklog(rowsPerSlice: rowsPerSlice, slices: slices)
    }

    /// ``rebuild()`` inside a write transaction, folding the changes of schemas up to `understood`, and recording
    /// `understood` as the store's `viewSchema`.
    static func rebuildView(understanding understood: Int, _ db: Database) throws {
        try emptyView(understanding: understood, db)
        try foldBacklog(understanding: understood, db)
    }

    /// Empties the view and its derived tables, and makes the whole log its backlog (LocalStore+Backlog.swift), to
    /// be folded with the changes of schemas up to `understood`.
    static func emptyView(understanding understood: Int, _ db: Database) throws {
        try db.execute(
            sql: """
                DELETE FROM version_row; DELETE FROM retired; DELETE FROM entity; DELETE FROM event_creator;
                DELETE FROM coder_vote;
                """)
        try ReportState.reset(db)
        try db.execute(
            sql: "UPDATE store SET viewSchema = ?, viewBehind = 0, backlogDone = NULL", arguments: [understood])
    }

    /// Reads the whole log in local order, 10,000 changes at a time, each with its `seq`.
    static func forEachLogSlice(_ db: Database, _ body: ([(change: Change, seq: Int64)]) throws -> Void) throws {
        var lastSeq: Int64 = 0
        while true {
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT seq, \(Columns.changeSelection) FROM change WHERE seq > ? ORDER BY seq LIMIT 10000",
                arguments: [lastSeq])
            guard let last = rows.last else { return }
            lastSeq = last[0]
            try body(try rows.map { (try Columns.change($0, offset: 1), $0[0] as Int64) })
        }
    }
}
