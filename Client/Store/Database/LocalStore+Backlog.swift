import ConcordCore
import ConcordSQLite
import GRDB

/// The view's backlog: log rows the view does not hold yet, folded entity by entity (migration `v12-view-behind`).
///
/// Folding a pulled page at once costs more than its changes: each page loads, folds, re-votes and rewrites every
/// entity it touches, and a long history spreads an entity over many pages (at 1M changes of the bench's team, an
/// event over ~10), so a fresh store folded its events ~10 times over. A pull of more than one page
/// (``SyncEngine``) therefore only appends to the log, page by page, each with its cursor as before, and records
/// in `store.viewBehind` the first `seq` it left unfolded; once its last page is in, it folds that backlog: each
/// entity once, with all its new changes, in slices of whole entities in id order, a transaction each
/// (`store.backlogDone` is the last entity folded, so a killed fold resumes after it). ``rebuild()`` empties the
/// view and folds the whole log the same way.
///
/// The result is the view and the derived tables a page-by-page fold writes: every row they hold depends on one
/// entity's changes in log order (the versions, retired ids, summary, creator, votes, superseding candidates), or
/// adds up over entities in any order (the report's tallies, counts and pairs); tests check both folds agree.
///
/// The backlog is always folded before anything else folds (``apply(_:origin:understanding:fold:_:)``: an edit, a
/// pull that folds at once, a backfill), before a long pull appends to a backlog whose fold had begun, and when the
/// store is opened (``reconcileView(upgrading:)``): a pull or fold killed half-way leaves a store whose view is
/// folded the next time it is used. Until then the view shows the state before that pull, as a reader in another
/// process sees it while a pull runs.
extension LocalStore {
    /// Changes read and folded in one transaction, at least (an entity's changes are never split).
    public static let backlogSlice = 20_000

    /// The first `seq` the view does not hold, or nil when it holds the whole log.
    static func viewBehind(_ db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT viewBehind FROM store")
    }

    /// Before rows are appended to the backlog: a backlog whose fold had begun is folded whole, since the entities
    /// already folded would otherwise never get the new rows.
    static func finishBegunFold(understanding understood: Int, _ db: Database) throws {
        if try String.fetchOne(db, sql: "SELECT backlogDone FROM store") != nil {
            try foldBacklog(understanding: understood, db)
        }
    }

    /// Records that the log rows from `seq` on are not in the view (an earlier mark stands).
    static func markBehind(from seq: Int64, _ db: Database) throws {
        try db.execute(sql: "UPDATE store SET viewBehind = MIN(COALESCE(viewBehind, ?1), ?1)", arguments: [seq])
    }

    /// Folds the whole backlog, if any, inside the caller's write transaction.
    static func foldBacklog(understanding understood: Int, _ db: Database) throws {
        while try foldBacklogSlice(understanding: understood, db) {}
    }

    /// Folds the next slice of the backlog: the next entities in id order (after `backlogDone`) with their log rows
    /// from `viewBehind` on, at least `rowsPerSlice` rows unless fewer are left, in `seq` order
    /// (``applyToView(_:seqs:understanding:rejected:_:)``). Returns false when there was no backlog left.
    static func foldBacklogSlice(
        understanding understood: Int, rowsPerSlice: Int = backlogSlice, _ db: Database
    ) throws -> Bool {
        guard let row = try Row.fetchOne(db, sql: "SELECT viewBehind, backlogDone FROM store"),
            let from = row[0] as Int64?
        else { return false }
        let done = (row[1] as String?) ?? ""
        // The next entities and their row counts, from the entity index alone (it holds entity and seq).
        let limit = 4_000
        let counts = try RawStatement(
            db,
            sql: """
                SELECT entity, COUNT(*) FROM change INDEXED BY change_entity
                WHERE entity > ? AND seq >= ? GROUP BY entity LIMIT \(limit)
                """)
        counts.bind(done, at: 1)
        counts.bind(from, at: 2)
        var last: String?
        var rows = 0
        var entities = 0
        try counts.forEachRow { row in
            entities += 1
            guard rows < rowsPerSlice else { return }
            last = row.text(0)
            rows += Int(row.integer(1))
        }
        guard let last else {
            try db.execute(sql: "UPDATE store SET viewBehind = NULL, backlogDone = NULL")
            return false
        }
        let read = try RawStatement(
            db,
            sql: """
                SELECT seq, state, \(Columns.changeSelection) FROM change INDEXED BY change_entity
                WHERE entity > ? AND entity <= ? AND seq >= ? ORDER BY seq
                """)
        read.bind(done, at: 1)
        read.bind(last, at: 2)
        read.bind(from, at: 3)
        var changes: [Change] = []
        var seqs: [Int64] = []
        var rejected: Set<ChangeID> = []
        changes.reserveCapacity(rows)
        seqs.reserveCapacity(rows)
        try read.forEachRow { row in
            let change = try Columns.change(row, offset: 2)
            guard Schema.understands(change, understanding: understood) else { return }
            changes.append(change)
            seqs.append(row.integer(0))
            if row.withUTF8(1, { $0.elementsEqual(LogState.rejected.rawValue.utf8) }) { rejected.insert(change.id) }
        }
        try applyToView(changes, seqs: seqs, understanding: understood, rejected: rejected, db)
        // This slice was the last when the scan found no entity beyond it.
        if rows < rowsPerSlice && entities < limit {
            try db.execute(sql: "UPDATE store SET viewBehind = NULL, backlogDone = NULL")
        } else {
            try db.execute(sql: "UPDATE store SET backlogDone = ?", arguments: [last])
        }
        return true
    }
}
