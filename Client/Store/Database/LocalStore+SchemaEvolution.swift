import ConcordCore
import GRDB

/// Evolution without resets (protocol.md §12): a store keeps the changes its build cannot read, and folds them in once a
/// build that can read them opens it.
///
/// - A change is *understood* when its `schema` is at most the store's ``LocalStore/understoodSchema``
///   (``Schema/understands(_:understanding:)``). Every pulled change goes into the log untouched (same row, state
///   `remote`, its server `seq`) and the pull cursor moves past it, so an older client keeps syncing; only the
///   understood ones are folded into the view (``LocalStore/apply(_:origin:understanding:_:)``).
///   ``LocalStore/newerSchemaCount()`` counts the others, which `concord status` and the `concord sync` summary
///   report as `N changes need a newer concord`.
/// - The `store` row's `viewSchema` records the newest schema the view holds changes of: the understood schema of
///   the build that last folded it (NULL in a store made before this mechanism: its build folded every change).
///   On open, ``LocalStore/reconcileView(upgrading:)`` compares it with this build's: when the log holds a change
///   of a schema between the two, the view is rebuilt from the log (``LocalStore/rebuild()``): which versions a
///   change retires depends on where it stands in the log, so folding the skipped changes in afterwards, out of
///   order, would not give the view a store that understood them from the start has. That happens once after an
///   upgrade (or a downgrade); a normal open costs one read of the `store` row.
/// - Local writes are validated against the understood schema (``Schema/validate(_:understanding:)``), so a store
///   never writes what it could not read back.
extension LocalStore {
    /// The changes in the log written under a newer schema than this store understands: kept and synced, but left
    /// out of the view until a newer Concord opens the store. One read of the `change_schema` index.
    public func newerSchemaCount() throws -> Int {
        try read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM change WHERE schema > ?", arguments: [understoodSchema]) ?? 0
        }
    }

    /// What opening the store must do to its view so that it holds exactly the understood changes.
    enum ViewSchemaCheck: Equatable {
        /// The view was folded by a build that understands the same schemas.
        case current
        /// It was folded by a build that understood other schemas, but no change of the log is of a schema
        /// between the two: only the recorded schema changes.
        case relabel
        /// The log holds changes that one build understands and the other did not: the view must be rebuilt.
        case refold
    }

    /// Compares the schema the view was folded under with `understood`: one read of the `store` row and, when they
    /// differ, one lookup in the `change_schema` index.
    static func checkViewSchema(understanding understood: Int, _ db: Database) throws -> ViewSchemaCheck {
        guard let row = try Row.fetchOne(db, sql: "SELECT viewSchema FROM store") else { return .current }
        // NULL: folded by a build that folded every change it had, whatever its schema.
        let folded = (row[0] as Int?) ?? Int.max
        if folded == understood { return .current }
        let differing = try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM change WHERE schema > ? AND schema <= ?)",
            arguments: [min(folded, understood), max(folded, understood)])
        return differing == true ? .refold : .relabel
    }

    /// Brings the view in line with ``understoodSchema`` when the store was last folded by a build that understood
    /// other schemas: after an upgrade, rebuilds it from the log so the changes an older build kept out are folded
    /// in, in log order. Calls `upgrading` first when it rebuilds. Writes nothing on a normal open.
    ///
    /// Folds the view's backlog too, when a pull killed half-way left one (LocalStore+Backlog.swift).
    func reconcileView(upgrading: (() -> Void)?) throws {
        let (check, behind) = try read { db in
            (try Self.checkViewSchema(understanding: understoodSchema, db), try Self.viewBehind(db) != nil)
        }
        if check == .current && !behind { return }
        if check == .refold { upgrading?() }
        try write { db in
            // Checked again under the write lock: another process may have done it meanwhile.
            switch try Self.checkViewSchema(understanding: understoodSchema, db) {
            case .current:
                break
            case .relabel:
                try db.execute(sql: "UPDATE store SET viewSchema = ?", arguments: [understoodSchema])
            case .refold:
                // Folds the whole log, the backlog with it.
                try Self.rebuildView(understanding: understoodSchema, db)
            }
            try Self.foldBacklog(understanding: understoodSchema, db)
        }
    }
}
