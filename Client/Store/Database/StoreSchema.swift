import GRDB

/// The store's tables, created and upgraded by a registered migrator.
///
/// - `change`: the log. `seq` is the local order; `state` is `pending` (own, not pushed), `pushed`, `rejected`
///   (with `rejectReason`) or `remote` (pulled). `value` keeps SQLite's storage class: TEXT for strings, INTEGER
///   0/1 for booleans. `supersedes` is the ids joined by commas.
/// - `version_row`: the live contributions of every entity: register versions (`kind` r), set adds (s), notes
///   (n), each pointing at its change in the log by `seq`. `version` is a view that joins in the change's value,
///   author, clock, replica and `supersedes` (as `context`), so queries read one shape while each change's data
///   is stored once (migration `v2-version-rows`; v1 copied it into every version row, half of what a pull wrote).
/// - `retired`: per (entity, field), the ids listed in a `supersedes` of that same field.
/// - `entity`: one summary row per entity, recomputed from its snapshot whenever a batch touches it.
/// - `store`: one row of metadata. `viewSchema` (migration `v4-view-schema`) is the newest change schema the view
///   holds changes of: the understood schema of the build that last folded it (``LocalStore/reconcileView(upgrading:)``).
/// - `event_creator` (migration `v5-event-creator`) and `coder_vote` (`v6-coder-vote`): each event's creator and
///   each coder's current vote on each of its coded fields (protocol.md §11), kept by every applied batch.
/// - `report_*` (migration `v3-report-state`): what the conflict report needs from the log and the view, kept up to
///   date with them (``ReportState``).
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
        // The version rows point at the log instead of copying each change's data (~200 → ~100 bytes a row). The
        // join is by the log's rowid; every live version's change is in the log, which rebuild() refolds from.
        migrator.registerMigration("v2-version-rows") { db in
            try db.execute(
                sql: """
                    CREATE TABLE version_row (
                        entity TEXT NOT NULL,
                        field TEXT NOT NULL,
                        change TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        PRIMARY KEY (entity, field, change)
                    ) WITHOUT ROWID;
                    INSERT INTO version_row (entity, field, change, kind, seq)
                        SELECT v.entity, v.field, v.change, v.kind, c.seq
                        FROM version v JOIN change c ON c.id = v.change;
                    DROP TABLE version;
                    CREATE VIEW version AS
                        SELECT r.entity, r.field, r.change, r.kind, c.value, c.author, c.hlc, c.replica,
                            c.supersedes AS context
                        FROM version_row r JOIN change c ON c.seq = r.seq;
                    """)
        }
        // What `concord report` reads instead of the whole log, maintained by every applied batch (ReportState).
        migrator.registerMigration("v3-report-state") { db in
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
        // Evolution without resets (protocol.md §12, LocalStore+SchemaEvolution.swift): which change schemas the view
        // holds, and an index that finds the changes of a range of schemas without reading the log. NULL, the value
        // of every store made before this migration, means the view holds every change of the log whatever its
        // schema: builds before it folded whatever they pulled. So opening such a store refolds it only if its log
        // holds a change newer than the build understands, which a server of that time could not have sent.
        migrator.registerMigration("v4-view-schema") { db in
            try db.execute(
                sql: """
                    ALTER TABLE store ADD COLUMN viewSchema INTEGER;
                    CREATE INDEX change_schema ON change(schema);
                    """)
        }
        // Each event's creator (protocol.md §11: the author of its earliest change by clock, then id), kept by every
        // applied batch so `concord agreement`, `match`, `events` and `show` need not scan the log for it. `key` is
        // `hlc || ' ' || id` (clocks are fixed-width text, so text order is (hlc, id) order).
        migrator.registerMigration("v5-event-creator") { db in
            try db.execute(
                sql: """
                    CREATE TABLE event_creator (
                        entity TEXT PRIMARY KEY,
                        key TEXT NOT NULL,
                        author TEXT NOT NULL
                    ) WITHOUT ROWID;
                    INSERT INTO event_creator (entity, key, author)
                        SELECT entity, MIN(hlc || ' ' || id), author FROM change
                        WHERE entity >= 'event/' AND entity < 'event0' AND state != 'rejected'
                        GROUP BY entity;
                    """)
        }
        // Each coder's current vote per (event, coded field), kept by every applied batch (LocalStore+Votes.swift)
        // so `concord agreement` reads ~5 rows an event instead of reducing the log each time. `value` is a label,
        // or a set's elements as a JSON array (CodedValue.storedText).
        migrator.registerMigration("v6-coder-vote") { db in
            try db.execute(
                sql: """
                    CREATE TABLE coder_vote (
                        entity TEXT NOT NULL,
                        field TEXT NOT NULL,
                        coder TEXT NOT NULL,
                        hlc TEXT NOT NULL,
                        value TEXT NOT NULL,
                        PRIMARY KEY (entity, field, coder)
                    ) WITHOUT ROWID;
                    """)
            try LocalStore.backfillVotes(db)
        }
        // One row per edit command run on this store: the log seqs of its first and last change, and the first seq
        // of the command it undid, if it is an undo (`concord undo`, LocalStore+Undo.swift). Changes written before
        // this migration have no row: each is then a command of its own.
        migrator.registerMigration("v7-command") { db in
            try db.execute(
                sql: """
                    CREATE TABLE command (
                        first INTEGER PRIMARY KEY,
                        last INTEGER NOT NULL,
                        undoes INTEGER
                    );
                    """)
        }
        // The report now shows every decision with a reason, also one that superseded a single version (a restore,
        // a cluster's resolution on a member holding one vote): list the log's such changes as candidates (a few
        // more than the report shows is harmless; it checks each one).
        migrator.registerMigration("v8-report-decisions") { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO report_superseding (seq)
                    SELECT seq FROM change
                    WHERE op = 'set' AND supersedes != '' AND reason IS NOT NULL AND trim(reason) != ''
                        AND state != 'rejected'
                    """)
        }
        // HTTPS servers whose certificate a private CA signed: the CA file `concord init --ca-file` names.
        migrator.registerMigration("v9-ca-file") { db in
            try db.execute(sql: "ALTER TABLE store ADD COLUMN caFile TEXT")
        }
        // Blind double coding (protocol.md §15): the log ranges whose changes to a blind document's events the
        // server left out, asked for again once the document opens (`LocalStore+Blind`).
        migrator.registerMigration("v10-withheld") { db in
            try db.execute(
                sql: """
                    CREATE TABLE withheld (
                        doc TEXT NOT NULL,
                        after INTEGER NOT NULL,
                        through INTEGER NOT NULL,
                        PRIMARY KEY (doc, after)
                    ) WITHOUT ROWID
                    """)
        }
        // A rewound server log (protocol.md §5): the latest point of the log this store saw, from a pull or a push.
        migrator.registerMigration("v11-known-point") { db in
            try db.execute(sql: "ALTER TABLE store ADD COLUMN knownSeq INTEGER NOT NULL DEFAULT 0")
            try db.execute(sql: "ALTER TABLE store ADD COLUMN knownID TEXT")
        }
        // The view's backlog (LocalStore+Backlog.swift): the first log seq a long pull wrote without folding it
        // (NULL when the view holds the whole log), and the last entity whose backlog is folded.
        migrator.registerMigration("v12-view-behind") { db in
            try db.execute(sql: "ALTER TABLE store ADD COLUMN viewBehind INTEGER")
            try db.execute(sql: "ALTER TABLE store ADD COLUMN backlogDone TEXT")
        }
        return migrator
    }
}
