import ConcordCore
import ConcordSQLite
import Foundation
import GRDB

/// The embedded server store: one SQLite file in WAL mode (protocol.md §8).
///
/// Tables: `change` (the log; `seq` is the rowid, assigned inside the push transaction so commit order is seq
/// order), `entity` (every entity with a stored change), `live` (the merged view: live register versions, live
/// set adds and notes) and `retired` (ids superseded within each entity+field), and `analyst`. The view is kept
/// incrementally by ``PushPlanner`` and the ConcordCore merge; SQL only stores and fetches rows.
public final class SQLiteServerStore: ServerStore {
    let pool: DatabasePool
    /// The database file.
    public let path: String

    /// Opens (creating with mode 0600 if needed) and migrates the database at `path`.
    public init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            else {
                throw ServerStoreError(
                    path: path, message: "cannot create the database file; check the directory exists and is writable")
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // A push is acknowledged only once durable.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // Every push probes the change-id index and the entity, live and retired tables; with SQLite's
                // default 2 MB page cache the writer re-read their pages from the file on every push.
                try db.execute(sql: "PRAGMA cache_size = -32768")
                // A 5k-change push fills about the default 1,000-page WAL by itself, so every push also
                // checkpointed (copied its pages into the database file and synced it). Checkpointing every ~8
                // pushes writes a page that several pushes touch (index and interior pages) once. Durability is
                // unchanged: a commit is still synced to the WAL before the push is acknowledged.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 8000")
            }
            try Self.migrator.migrate(pool)
        } catch {
            throw ServerStoreError(path: path, message: "cannot open the server database: \(error)", cause: error)
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE change (
                        seq INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        body BLOB NOT NULL,
                        analyst TEXT NOT NULL,
                        replica TEXT NOT NULL,
                        received INTEGER NOT NULL
                    );
                    CREATE TABLE entity (id TEXT PRIMARY KEY) WITHOUT ROWID;
                    CREATE TABLE live (
                        change TEXT PRIMARY KEY,
                        entity TEXT NOT NULL,
                        field TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        value NOT NULL,
                        author TEXT NOT NULL,
                        hlc TEXT NOT NULL,
                        replica TEXT NOT NULL,
                        context TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX live_by_entity ON live(entity, field);
                    CREATE TABLE retired (
                        change TEXT NOT NULL,
                        entity TEXT NOT NULL,
                        field TEXT NOT NULL,
                        PRIMARY KEY (change, entity, field)
                    ) WITHOUT ROWID;
                    CREATE TABLE analyst (
                        name TEXT PRIMARY KEY,
                        role TEXT NOT NULL,
                        token_sha256 BLOB NOT NULL UNIQUE,
                        created INTEGER NOT NULL,
                        revoked INTEGER
                    );
                    """)
        }
        // v1 spelled the kind of a live row `register`/`set`/`list`; the client's `r`/`s`/`n` (``VersionKind``) is
        // now the one spelling of every store, read by the one decoder (``LiveRows``).
        migrator.registerMigration("v2-version-kind") { db in
            try db.execute(
                sql: """
                    UPDATE live SET kind = CASE kind
                        WHEN 'register' THEN \(VersionKind.register.sql)
                        WHEN 'set' THEN \(VersionKind.setAdd.sql)
                        ELSE \(VersionKind.note.sql) END
                    """)
        }
        // Blind double coding (protocol.md §15): which document each event belongs to (its first `doc` change)
        // and which documents have coding fields, so a request finds what is blind for its analyst in two probes
        // instead of a scan of the merged view.
        migrator.registerMigration("v3-blind-coding") { db in
            try db.execute(
                sql: """
                    CREATE TABLE event_doc (
                        event TEXT PRIMARY KEY,
                        doc TEXT NOT NULL,
                        seq INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX event_doc_by_doc ON event_doc(doc);
                    CREATE TABLE coding_doc (doc TEXT PRIMARY KEY) WITHOUT ROWID;
                    """)
            // A log from before: every event's first `doc` change, read from the stored bodies once.
            let rows = try Row.fetchCursor(
                db,
                sql:
                    "SELECT seq, body FROM change WHERE instr(body, CAST('\"field\":\"doc\"' AS BLOB)) > 0 ORDER BY seq"
            )
            let insert = try db.makeStatement(sql: "INSERT OR IGNORE INTO event_doc (event, doc, seq) VALUES (?, ?, ?)")
            while let row = try rows.next() {
                let change = try Change.decodeFast(json: row[1] as Data)
                guard change.entity.kind == .event, change.field == "doc", let doc = change.value.string else {
                    continue
                }
                try insert.execute(arguments: [change.entity.rawValue, doc, row[0] as Int64])
            }
        }
        return migrator
    }

    // MARK: Push

    public func push(
        _ changes: [Change], replica: ReplicaID, by analyst: AnalystRecord, now: Int64, visibility: Visibility?
    ) async throws -> PushResult {
        // Pushes are serialized in the single writer; the stored bodies do not depend on the store's state, so
        // they are written here, concurrently with other pushes, and the writer only binds them.
        let bodies = changes.map(\.canonicalJSON)
        return try await pool.write { db in
            let context = try Self.loadContext(db, for: changes)
            switch PushPlanner(analyst: analyst, now: now, visibility: visibility).plan(changes, context: context) {
            case .failure(let refusal):
                return .refused(refusal)
            case .success(let plan):
                try Self.persist(
                    db, plan: plan, bodies: plan.acceptedIndices.map { bodies[$0] }, replica: replica,
                    analyst: analyst.name, now: now)
                let cursor = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM change") ?? 0
                return .stored(
                    Wire.PushResponse(accepted: plan.accepted.count, duplicates: plan.duplicates, cursor: cursor))
            }
        }
    }

    private static func loadContext(_ db: Database, for changes: [Change]) throws -> PushPlanner.Context {
        var context = PushPlanner.Context()
        let ids = RawStatement.jsonArray(changes.map(\.id.rawValue))
        let existing = try db.cachedStatement(
            sql: "SELECT body FROM change WHERE id IN (SELECT value FROM json_each(?))")
        for body in try Data.fetchAll(existing, arguments: [ids]) {
            let change = try Change.decodeFast(json: body)
            context.existing[change.id] = change
        }
        // Retired rows name the batch's own ids and (nearly always) its entities: reuse those values.
        var entities: [String: EntityID] = [:]
        entities.reserveCapacity(changes.count)
        for change in changes { entities[change.entity.rawValue] = change.entity }
        let retired = try RawStatement(
            db, sql: "SELECT change, entity, field FROM retired WHERE change IN (SELECT value FROM json_each(?))")
        retired.bind(ids, at: 1)
        try retired.forEachRow { row in
            let entityText = row.text(1)
            let entity = try entities[entityText] ?? EntityID(entityText)
            let key = FieldKey(entity: entity, field: row.text(2))
            context.retired[key, default: []].insert(ChangeID(stored: row.text(0)))
        }
        // The planner reads the live versions of the fields the batch changes (never notes), and an entity the
        // store has never seen has none: ask which entities exist, then read only their changed fields.
        let stored = try Set(
            String.fetchAll(
                db.cachedStatement(sql: "SELECT id FROM entity WHERE id IN (SELECT value FROM json_each(?))"),
                arguments: [RawStatement.jsonArray(PushPlanner.entities(of: changes).map(\.rawValue))]))
        var keys = Set<FieldKey>(minimumCapacity: changes.count)
        for change in changes where change.op != .append && stored.contains(change.entity.rawValue) {
            keys.insert(FieldKey(change))
        }
        let live = try RawStatement(
            db,
            sql: """
                SELECT \(VersionRow.columns) FROM live
                WHERE entity = ? AND field = ? AND kind != \(VersionKind.note.sql)
                """)
        context.live.reserveCapacity(keys.count)
        for key in keys {
            live.bind(key.entity.rawValue, at: 1)
            live.bind(key.field, at: 2)
            var versions: [Version] = []
            try live.forEachRow { row in versions.append(VersionRow(row).version) }
            if !versions.isEmpty { context.live[key] = versions }
        }
        // The changes the batch lists that are not live versions of the listing change's own field (those the
        // planner reads from `live`): retired versions, a delete's context, ids the server may not hold.
        var needed = Set<String>()
        for change in changes where !change.supersedes.isEmpty {
            let live = context.live[FieldKey(change)] ?? []
            for id in change.supersedes where !live.contains(where: { $0.change == id }) { needed.insert(id.rawValue) }
        }
        if !needed.isEmpty {
            for body in try Data.fetchAll(existing, arguments: [RawStatement.jsonArray(needed.sorted())]) {
                let change = try Change.decodeFast(json: body)
                context.listed[change.id] = change
            }
        }
        return context
    }

    private static func persist(
        _ db: Database, plan: PushPlanner.Plan, bodies: [Data], replica: ReplicaID, analyst: AnalystName, now: Int64
    ) throws {
        let insertChange = try RawStatement(
            db, sql: "INSERT INTO change (id, body, analyst, replica, received) VALUES (?, ?, ?, ?, ?)")
        // The same for every change of the push: bound once.
        insertChange.bind(analyst.rawValue, at: 3)
        insertChange.bind(replica.rawValue, at: 4)
        insertChange.bind(now, at: 5)
        let insertEntity = try RawStatement(db, sql: "INSERT OR IGNORE INTO entity (id) VALUES (?)")
        var entities = Set<EntityID>()
        for (change, body) in zip(plan.accepted, bodies) {
            insertChange.bind(change.id.rawValue, at: 1)
            body.withUnsafeBytes { insertChange.bind(blob: $0, at: 2) }
            try insertChange.execute()
            if let home = BlindIndex.home(of: change) {
                try Self.recordHome(home, change: change, seq: db.lastInsertedRowID, db)
            }
            if entities.insert(change.entity).inserted {
                insertEntity.bind(change.entity.rawValue, at: 1)
                try insertEntity.execute()
            }
        }
        let deleteLive = try RawStatement(db, sql: "DELETE FROM live WHERE change = ?")
        let insertLive = try RawStatement(
            db,
            sql: """
                INSERT INTO live (change, entity, field, kind, value, author, hlc, replica, context)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let insertRetired = try RawStatement(
            db, sql: "INSERT OR IGNORE INTO retired (change, entity, field) VALUES (?, ?, ?)")
        // In key order, so consecutive statements touch neighbouring pages of the entity-ordered index.
        for delta in plan.fields.sorted(by: { $0.key < $1.key }) {
            let key = delta.key
            for id in delta.removed {
                deleteLive.bind(id.rawValue, at: 1)
                try deleteLive.execute()
            }
            if !delta.inserted.isEmpty {
                insertLive.bind(key.entity.rawValue, at: 2)
                insertLive.bind(key.field, at: 3)
                insertLive.bind(VersionKind(delta.kind).rawValue, at: 4)
            }
            for version in delta.inserted {
                insertLive.bind(version.change.rawValue, at: 1)
                insertLive.bind(version.value, at: 5)
                insertLive.bind(version.author.rawValue, at: 6)
                insertLive.bind(version.hlc.description, at: 7)
                insertLive.bind(version.replica.rawValue, at: 8)
                switch version.context.count {
                case 0: insertLive.bind("", at: 9)
                case 1: insertLive.bind(version.context[0].rawValue, at: 9)
                default: insertLive.bind(version.context.map(\.rawValue).joined(separator: ","), at: 9)
                }
                try insertLive.execute()
            }
            if !delta.retired.isEmpty {
                insertRetired.bind(key.entity.rawValue, at: 2)
                insertRetired.bind(key.field, at: 3)
            }
            for retirement in delta.retired {
                insertRetired.bind(retirement.id.rawValue, at: 1)
                try insertRetired.execute()
            }
        }
    }

    /// Records what ``BlindIndex/home(of:)`` says of an accepted change.
    private static func recordHome(_ home: BlindIndex.Home, change: Change, seq: Int64, _ db: Database) throws {
        switch home {
        case .event(let doc):
            try db.execute(
                sql: "INSERT OR IGNORE INTO event_doc (event, doc, seq) VALUES (?, ?, ?)",
                arguments: [change.entity.rawValue, doc.rawValue, seq])
        case .codingDocument:
            try db.execute(
                sql: "INSERT OR IGNORE INTO coding_doc (doc) VALUES (?)", arguments: [change.entity.rawValue])
        }
    }

    // MARK: Blind coding

    public func changeID(at seq: Int64) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT id FROM change WHERE seq = ?", arguments: [seq])
        }
    }

    public func codingDocuments() async throws -> [Blinding.Document] {
        try await pool.read { db in
            let ids = try String.fetchAll(db, sql: "SELECT doc FROM coding_doc").map { try EntityID($0) }
            return try LiveRows.live.loadAll(ids, db).values.map { Blinding.Document($0.snapshot) }
        }
    }

    public func eventHomes(in documents: Set<EntityID>) async throws -> [EntityID: EventHome] {
        guard !documents.isEmpty else { return [:] }
        return try await pool.read { db in
            var homes: [EntityID: EventHome] = [:]
            let docs = documents.map(\.rawValue)
            let rows = try Row.fetchCursor(
                db,
                sql:
                    "SELECT event, doc, seq FROM event_doc WHERE doc IN (\(docs.map { _ in "?" }.joined(separator: ",")))",
                arguments: StatementArguments(docs))
            while let row = try rows.next() {
                homes[EntityID(stored: row[0])] = EventHome(document: EntityID(stored: row[1]), seq: row[2])
            }
            return homes
        }
    }

    // MARK: Reads

    public func changes(after: Int64, limit: Int) async throws -> ChangePage {
        try await pool.read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT seq, body FROM change WHERE seq > ? ORDER BY seq LIMIT ?")
            let rows = try Row.fetchCursor(statement, arguments: [after, limit + 1])
            return try ChangePage.collect(limit: limit) {
                try rows.next().map { StoredChange(seq: $0[0], body: Array($0[1] as Data)) }
            }
        }
    }

    public func snapshot(of entity: EntityID) async throws -> EntitySnapshot? {
        try await pool.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM entity WHERE id = ?", arguments: [entity.rawValue]) != nil
            else { return nil }
            return try LiveRows.live.load(entity, db).snapshot
        }
    }

    /// The entities that may show a conflict: a register with two or more live versions, or a live `deleted=true`
    /// version (the merge in ConcordCore then decides). One spelling for the route and the report.
    static let conflictCandidatesSQL = """
        SELECT entity FROM live WHERE kind = \(VersionKind.register.sql) GROUP BY entity, field HAVING COUNT(*) > 1
        UNION SELECT entity FROM live WHERE field = '\(EntitySnapshot.deletedField)' AND value = 1
        """

    public func conflictedSnapshots() async throws -> [EntitySnapshot] {
        try await pool.read { db in
            // Candidates only; the merge in ConcordCore decides what is a conflict.
            let candidates = try String.fetchAll(db, sql: Self.conflictCandidatesSQL).map { try EntityID($0) }
            return try LiveRows.live.loadAll(candidates, db).values.map(\.snapshot).filter { $0.conflictCount > 0 }
                .sorted { $0.id < $1.id }
        }
    }

    public func allSnapshots() async throws -> [EntitySnapshot] {
        try await pool.read { db in try LiveRows.live.all(db).map(\.snapshot) }
    }

    public func allChanges() async throws -> [Change] {
        try await pool.read { db in
            var changes: [Change] = []
            let bodies = try Data.fetchCursor(db, sql: "SELECT body FROM change ORDER BY seq")
            while let body = try bodies.next() { changes.append(try Change.decodeFast(json: body)) }
            return changes
        }
    }

    public func changeCount() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM change") ?? 0 }
    }

    // MARK: Analysts

    public func addAnalyst(_ analyst: AnalystRecord) async throws {
        try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM analyst WHERE name = ?", arguments: [analyst.name.rawValue])
                != nil
            {
                throw AdminError.analystExists(analyst.name)
            }
            try db.execute(
                sql: "INSERT INTO analyst (name, role, token_sha256, created, revoked) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    analyst.name.rawValue, analyst.role.rawValue, Data(analyst.tokenHash), analyst.created,
                    analyst.revoked,
                ])
        }
    }

    public func analysts() async throws -> [AnalystRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, role, token_sha256, created, revoked FROM analyst ORDER BY name")
                .map { row in
                    guard let role = Role(rawValue: row[1]) else {
                        throw ServerStoreError(
                            path: "", message: "analyst \(row[0] as String) has unknown role \(row[1] as String)")
                    }
                    return AnalystRecord(
                        name: try AnalystName(row[0] as String), role: role, tokenHash: Array(row[2] as Data),
                        created: row[3], revoked: row[4])
                }
        }
    }

    public func revoke(_ name: AnalystName, at: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE analyst SET revoked = COALESCE(revoked, ?) WHERE name = ?", arguments: [at, name.rawValue])
            if db.changesCount == 0 { throw AdminError.unknownAnalyst(name) }
        }
    }

    public func close() async throws {
        // Close the read-only connections first, so the writer is the last connection: it checkpoints and
        // removes the WAL (DatabasePool.close() closes the writer first, GRDB issue #739).
        pool.releaseMemory()
        try pool.close()
    }
}

extension LiveRows {
    /// The server's merged view: the `live` table.
    static let live = LiveRows(table: "live")
}
