import GRDB

/// The store's tables, created and upgraded by a registered migrator.
///
/// - `change`: the log. `seq` is the local order; `state` is `pending` (own, not pushed), `pushed`, `rejected`
///   (with `rejectReason`) or `remote` (pulled). `value` keeps SQLite's storage class: TEXT for strings, INTEGER
///   0/1 for booleans. `supersedes` is the ids joined by commas.
/// - `version`: the live contributions of every entity: register versions (`kind` r), set adds (s), notes (n).
/// - `retired`: per (entity, field), the ids listed in a `supersedes` of that same field.
/// - `entity`: one summary row per entity, recomputed from its snapshot whenever a batch touches it.
/// - `store`: one row of metadata.
/// - `report_*` (v2): what the conflict report needs from the log and the view, kept up to date with them
///   (``ReportState``).
enum StoreSchema {
    /// `PRAGMA application_id` of every Concord store ("CNCD").
    static let applicationID: Int32 = 0x434E_4344

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE store (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        analyst TEXT NOT NULL,
                        replica TEXT NOT NULL,
                        server TEXT,
                        token TEXT,
                        role TEXT NOT NULL DEFAULT 'analyst',
                        pullCursor INTEGER NOT NULL DEFAULT 0,
                        clock TEXT NOT NULL DEFAULT '0:0000',
                        lastSync REAL
                    );
                    CREATE TABLE change (
                        seq INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        entity TEXT NOT NULL,
                        field TEXT NOT NULL,
                        op TEXT NOT NULL,
                        value NOT NULL,
                        supersedes TEXT NOT NULL,
                        hlc TEXT NOT NULL,
                        author TEXT NOT NULL,
                        replica TEXT NOT NULL,
                        reason TEXT,
                        schema INTEGER NOT NULL,
                        state TEXT NOT NULL,
                        serverSeq INTEGER,
                        rejectReason TEXT
                    );
                    CREATE INDEX change_entity ON change(entity);
                    CREATE INDEX change_pending ON change(seq) WHERE state = 'pending';
                    CREATE INDEX change_rejected ON change(seq) WHERE state = 'rejected';
                    CREATE TABLE version (
                        entity TEXT NOT NULL,
                        field TEXT NOT NULL,
                        change TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        value NOT NULL,
                        author TEXT NOT NULL,
                        hlc TEXT NOT NULL,
                        replica TEXT NOT NULL,
                        context TEXT NOT NULL,
                        PRIMARY KEY (entity, field, change)
                    ) WITHOUT ROWID;
                    CREATE TABLE retired (
                        entity TEXT NOT NULL,
                        field TEXT NOT NULL,
                        change TEXT NOT NULL,
                        PRIMARY KEY (entity, field, change)
                    ) WITHOUT ROWID;
                    CREATE TABLE entity (
                        id TEXT PRIMARY KEY,
                        kind TEXT NOT NULL,
                        doc TEXT,
                        title TEXT,
                        type TEXT,
                        date TEXT,
                        source TEXT,
                        published TEXT,
                        conflicts INTEGER NOT NULL,
                        deleted INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX entity_doc ON entity(doc) WHERE doc IS NOT NULL;
                    CREATE INDEX entity_conflicts ON entity(id) WHERE conflicts > 0;
                    """)
        }
        // What `concord report` reads instead of the whole log, maintained by every applied batch (ReportState).
        migrator.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    CREATE TABLE report_author (
                        author TEXT PRIMARY KEY,
                        changes INTEGER NOT NULL,
                        events INTEGER NOT NULL,
                        first TEXT NOT NULL,
                        last TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE report_author_event (
                        author TEXT NOT NULL,
                        event TEXT NOT NULL,
                        PRIMARY KEY (author, event)
                    ) WITHOUT ROWID;
                    CREATE TABLE report_entity_count (
                        kind TEXT PRIMARY KEY,
                        entities INTEGER NOT NULL,
                        deleted INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE report_entity (id TEXT PRIMARY KEY) WITHOUT ROWID;
                    CREATE TABLE report_superseding (seq INTEGER PRIMARY KEY);
                    """)
            try ReportState.backfill(db)
        }
        return migrator
    }
}
