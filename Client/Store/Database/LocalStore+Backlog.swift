import ConcordCore
import ConcordSQLite
import Foundation
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
/// folded the next time it is used, and a `concord` opened while a pull runs first folds what has arrived. A
/// connection opened before the pull began sees the view as it was until then.
extension LocalStore {
    /// Changes read and folded in one transaction, at least (an entity's changes are never split).
    public static let backlogSlice = 10_000

    /// The first `seq` the view does not hold, or nil when it holds the whole log.
    static func viewBehind(_ db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT viewBehind FROM store")
    }

    /// Before rows are appended to the backlog: a backlog whose fold had begun is folded whole, since the entities
    /// already folded would otherwise never get the new rows.
    static func finishBegunFold(understanding understood: Int, _ db: Database) throws {
        if let point = try backlogPoint(db), !point.done.isEmpty { try foldBacklog(understanding: understood, db) }
    }

    /// Records that the log rows from `seq` on, through `last`, are not in the view (an earlier mark stands).
    ///
    /// Once the backlog holds more rows than the log before it (a first sync without a snapshot, a store far
    /// behind), the entity index is dropped until the fold: each page would otherwise insert its rows at random
    /// places of that index and rewrite most of its pages, and building it again in one sorted pass costs less (at
    /// 1M changes, 0.8 s against ~2 s of inserts and the WAL written over again). Every fold makes it again first
    /// (``ensureEntityIndex(_:)``), and nothing reads the log by entity but through a fold or after one: opening
    /// the store, an edit and any folding apply fold the backlog first.
    static func markBehind(from seq: Int64, through last: Int64, _ db: Database) throws {
        try db.execute(sql: "UPDATE store SET viewBehind = MIN(COALESCE(viewBehind, ?1), ?1)", arguments: [seq])
        guard let behind = try viewBehind(db), last - behind + 1 > behind - 1, try hasEntityIndex(db) else { return }
        try db.execute(sql: "DROP INDEX change_entity")
    }

    private static func hasEntityIndex(_ db: Database) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'change_entity')")
            ?? false
    }

    /// Makes the entity index again if a long pull dropped it (``markBehind(from:through:_:)``); its definition is
    /// the `v1` migration's.
    static func ensureEntityIndex(_ db: Database) throws {
        if try !hasEntityIndex(db) { try db.execute(sql: "CREATE INDEX change_entity ON change(entity)") }
    }

    /// Folds the whole backlog, if any, inside the caller's write transaction.
    static func foldBacklog(understanding understood: Int, _ db: Database) throws {
        while try foldBacklogSlice(understanding: understood, db) {}
    }

    /// Folds the next slice of the backlog: the next entities in id order (after `backlogDone`) with their log rows
    /// from `viewBehind` on, at least `rowsPerSlice` rows unless fewer are left
    /// (``applyToView(_:seqs:understanding:rejected:_:)``). Returns false when there was no backlog left.
    static func foldBacklogSlice(
        understanding understood: Int, rowsPerSlice: Int = backlogSlice, _ db: Database
    ) throws -> Bool {
        guard let (from, done) = try backlogPoint(db) else { return false }
        try ensureEntityIndex(db)
        guard let slice = try planBacklog(from: from, after: done, rowsPerSlice: rowsPerSlice, slices: 1, db).first
        else {
            try db.execute(sql: "UPDATE store SET viewBehind = NULL, backlogDone = NULL")
            return false
        }
        try fold(
            slice, read: try readSlice(slice, from: from, understanding: understood, db), understanding: understood, db)
        return true
    }

    /// Where the backlog stands: the first `seq` the view lacks and the last entity whose rows from it on are
    /// folded ("" for none); nil when the view holds the whole log.
    static func backlogPoint(_ db: Database) throws -> (from: Int64, done: String)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT viewBehind, backlogDone FROM store"),
            let from = row[0] as Int64?
        else { return nil }
        return (from, (row[1] as String?) ?? "")
    }

    /// A run of entities in id order: those after `after`, through `last`.
    struct SlicePlan: Sendable {
        var after: String
        var last: String
        /// No entity after `last` has rows in the backlog.
        var isLast: Bool
    }

    /// The backlog's rows of one ``SlicePlan``, read.
    struct SliceRows: Sendable {
        var changes: [Change] = []
        var seqs: [Int64] = []
        var rejected: Set<ChangeID> = []
    }

    /// The next `slices` slices of the backlog from `from`, after entity `after`: runs of whole entities of at least
    /// `rowsPerSlice` rows (fewer in the last), from one pass over the entity index (which holds entity and seq).
    static func planBacklog(from: Int64, after: String, rowsPerSlice: Int, slices: Int, _ db: Database) throws
        -> [SlicePlan]
    {
        let counts = try RawStatement(
            db,
            sql: """
                SELECT entity, COUNT(*) FROM change INDEXED BY change_entity
                WHERE entity > ? AND seq >= ? GROUP BY entity
                """)
        counts.bind(after, at: 1)
        counts.bind(from, at: 2)
        var plans: [SlicePlan] = []
        var open: (after: String, last: String, rows: Int)?
        var more = false
        try counts.forEachRowWhile { row in
            guard plans.count < slices else {
                more = true
                return false
            }
            let entity = row.text(0)
            var current = open ?? (plans.last?.last ?? after, entity, 0)
            current.last = entity
            current.rows += Int(row.integer(1))
            open = current
            if current.rows >= rowsPerSlice {
                plans.append(SlicePlan(after: current.after, last: current.last, isLast: false))
                open = nil
            }
            return true
        }
        if let current = open, plans.count < slices {
            plans.append(SlicePlan(after: current.after, last: current.last, isLast: true))
        } else if !more, open == nil, !plans.isEmpty {
            plans[plans.count - 1].isLast = true
        }
        return plans
    }

    /// Reads the backlog's rows of `slice` (from `from` on, of schemas up to `understood`) in the entity index's
    /// order: each entity's in `seq` order, which is all the fold asks (entities fold independently).
    static func readSlice(_ slice: SlicePlan, from: Int64, understanding understood: Int, _ db: Database) throws
        -> SliceRows
    {
        let read = try RawStatement(
            db,
            sql: """
                SELECT seq, state, \(Columns.changeSelection) FROM change INDEXED BY change_entity
                WHERE entity > ? AND entity <= ? AND seq >= ?
                """)
        read.bind(slice.after, at: 1)
        read.bind(slice.last, at: 2)
        read.bind(from, at: 3)
        var rows = SliceRows()
        try read.forEachRow { row in
            let change = try Columns.change(row, offset: 2)
            guard Schema.understands(change, understanding: understood) else { return }
            rows.changes.append(change)
            rows.seqs.append(row.integer(0))
            if row.withUTF8(1, { $0.elementsEqual(LogState.rejected.rawValue.utf8) }) {
                rows.rejected.insert(change.id)
            }
        }
        return rows
    }

    /// Folds one read slice and records it done (the backlog is then gone if it was the last).
    static func fold(_ slice: SlicePlan, read: SliceRows, understanding understood: Int, _ db: Database) throws {
        try applyToView(read.changes, seqs: read.seqs, understanding: understood, rejected: read.rejected, db)
        if slice.isLast {
            try db.execute(sql: "UPDATE store SET viewBehind = NULL, backlogDone = NULL")
        } else {
            try db.execute(sql: "UPDATE store SET backlogDone = ?", arguments: [slice.last])
        }
    }
}

extension LocalStore {
    /// `PRAGMA data_version`: changes when another connection commits to the store, never for this one's commits.
    static func dataVersion(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0
    }

    /// The read-only connection ``foldBacklog(rowsPerSlice:slices:)`` reads slices ahead with.
    static func readerConfiguration() -> Configuration {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(busyTimeout)
        config.label = "concord.store.backlog"
        return config
    }
}
