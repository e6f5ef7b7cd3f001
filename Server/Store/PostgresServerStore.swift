import ConcordCore
import ConcordSQLite
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import PostgresNIO

/// The scale-out store: several stateless `concord-server` processes on one PostgreSQL database (protocol.md §8).
///
/// The tables are the SQLite store's (`change`, `entity`, `live`, `retired`, `analyst`), plus `concord_schema`, the
/// version of these tables. Like every store it checks a push with ``PushPlanner`` and persists the net deltas of the
/// one fold (``BatchFold``); SQL only stores and fetches rows.
///
/// **Commit order is `seq` order.** Every push transaction first takes one transaction-scoped advisory lock
/// (`pg_advisory_xact_lock`), then assigns `seq` after the greatest stored one, and holds the lock until it commits.
/// So pushes from every server process run one after another, as SQLite's single writer runs them: a push cannot
/// take a `seq` below one already committed, and no reader ever sees `seq` n+1 committed while n is still to come.
/// A naive sequence (`bigserial`) would hand out numbers at insert time: a transaction holding 11 could commit
/// before one holding 10, and a reader paging with `after=10` would skip 10 forever. Serialising pushes also makes
/// the planner's read of the live view and its write one atomic step, which the merge needs anyway.
public final class PostgresServerStore: ServerStore, SharedLog {
    /// Several server processes share the database: this store is the log they all commit to.
    public var sharedLog: (any SharedLog)? { self }

    /// The database URL without its password, for messages.
    public let location: String
    let client: PostgresClient
    private let runner: Task<Void, Never>
    let logger: Logger
    /// Tests only: runs inside every push transaction after its changes are written with their `seq`, before the
    /// commit, so a test can hold one push open and show that no other push commits (and no reader sees) a later `seq`.
    let beforeCommit: (@Sendable (Int64) async -> Void)?

    /// The key of the advisory lock every push holds (and a migration, on its session): "Concord" in ASCII.
    static let pushLock: Int64 = 0x43_6f_6e_63_6f_72_64
    /// The version of the tables this server writes; a database with a newer one is refused.
    static let schemaVersion: Int32 = 2

    /// Whether `location` names a PostgreSQL database rather than a SQLite file.
    public static func isURL(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// Connects to the database `url` names (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`), creating or
    /// migrating the tables. Fails with one sentence, changing nothing, when the database cannot be reached, refuses
    /// the login, belongs to another application or was written by a newer server.
    public convenience init(url: String, logger: Logger = Logger(label: "concord-postgres")) async throws {
        try await self.init(url: url, logger: logger, beforeCommit: nil)
    }

    init(url: String, logger: Logger, beforeCommit: (@Sendable (Int64) async -> Void)?) async throws {
        self.beforeCommit = beforeCommit
        let configuration = try Self.configuration(url)
        location = configuration.redacted
        self.logger = logger
        // One connection first, so an unreachable or misconfigured database fails now, with its cause, instead of
        // inside the pool's background retries.
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: .init(
                    host: configuration.host, port: configuration.port, username: configuration.user,
                    password: configuration.password, database: configuration.database, tls: .disable),
                id: 0, logger: logger)
        } catch {
            throw ServerStoreError(path: location, message: "cannot connect: \(Self.describe(error))")
        }
        do {
            try await Self.migrate(connection, location: location, logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            if error is ServerStoreError { throw error }
            throw ServerStoreError(path: location, message: "cannot set up the tables: \(Self.describe(error))")
        }
        var pool = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user,
            password: configuration.password, database: configuration.database, tls: .disable)
        pool.options.maximumConnections = 20
        pool.options.connectTimeout = .seconds(5)
        // The pool warns when a query comes before `run()` has started, a harmless race at start: errors only.
        var background = logger
        background.logLevel = .error
        let client = PostgresClient(configuration: pool, backgroundLogger: background)
        self.client = client
        runner = Task { await client.run() }
    }

    // MARK: Connection

    struct Configuration {
        var host: String
        var port: Int
        var user: String
        var password: String?
        var database: String
        var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)" }
    }

    static func configuration(_ url: String) throws -> Configuration {
        let usage = "expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
        guard let components = URLComponents(string: url), isURL(url), let host = components.host, !host.isEmpty
        else { throw ServerStoreError(path: "", message: "\(url.prefix(200)) is not a PostgreSQL URL: \(usage)") }
        let database = String(components.path.drop { $0 == "/" })
        guard let user = components.user, !user.isEmpty, !database.isEmpty, !database.contains("/") else {
            throw ServerStoreError(
                path: "", message: "the PostgreSQL URL must name a user and a database: \(usage)")
        }
        return Configuration(
            host: host, port: components.port ?? 5432, user: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 }, database: database)
    }

    /// A PostgresNIO error in one sentence: the server's own message when it sent one (PSQLError's description
    /// hides it on purpose), else what the connection did.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        switch error.code {
        case .connectionError:
            return "the connection failed (\(error.underlying.map { String(describing: $0) } ?? "no cause given"))"
        case .serverClosedConnection, .uncleanShutdown:
            return "the database closed the connection"
        case .poolClosed, .clientClosedConnection:
            return "the server is shutting down"
        default:
            return "\(error.code)"
        }
    }

    /// Runs `body`; a failure to reach the database becomes ``StoreUnavailable`` (503, retry later), a failure of a
    /// statement keeps its cause.
    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError where error.serverInfo == nil {
            throw StoreUnavailable(message: "the database \(location) cannot be reached: \(Self.describe(error))")
        } catch let error as PSQLError {
            throw ServerStoreError(path: location, message: Self.describe(error))
        } catch  where Self.isPoolFailure(error) {
            // The pool could not open a connection (the database is down or restarting); it keeps retrying with
            // backoff and serves again once the database is back.
            throw StoreUnavailable(message: "the database \(location) cannot be reached right now")
        }
    }

    /// Whether `error` is the connection pool's own: its type lives in PostgresNIO's underscored module, so it is
    /// recognised by name.
    static func isPoolFailure(_ error: any Error) -> Bool {
        String(reflecting: type(of: error)).hasSuffix("ConnectionPoolError")
    }

    // MARK: Schema

    private static let tables: [String] =
        [
            """
            CREATE TABLE change (
                seq BIGINT PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                body BYTEA NOT NULL,
                analyst TEXT NOT NULL,
                replica TEXT NOT NULL,
                received BIGINT NOT NULL
            )
            """,
            "CREATE TABLE entity (id TEXT PRIMARY KEY)",
            """
            CREATE TABLE live (
                change TEXT PRIMARY KEY,
                entity TEXT NOT NULL,
                field TEXT NOT NULL,
                kind TEXT NOT NULL,
                is_true BOOLEAN NOT NULL,
                version BYTEA NOT NULL
            )
            """,
            "CREATE INDEX live_by_entity ON live (entity, field)",
            """
            CREATE TABLE retired (
                change TEXT NOT NULL,
                entity TEXT NOT NULL,
                field TEXT NOT NULL,
                PRIMARY KEY (change, entity, field)
            )
            """,
            """
            CREATE TABLE analyst (
                name TEXT PRIMARY KEY,
                role TEXT NOT NULL,
                token_sha256 BYTEA NOT NULL UNIQUE,
                created BIGINT NOT NULL,
                revoked BIGINT
            )
            """,
        ] + blindCodingTables

    /// Tables version 2 added (protocol.md §15): each event's document, and the documents with coding fields.
    private static let blindCodingTables: [String] = [
        "CREATE TABLE event_doc (event TEXT PRIMARY KEY, doc TEXT NOT NULL, seq BIGINT NOT NULL)",
        "CREATE INDEX event_doc_by_doc ON event_doc (doc)",
        "CREATE TABLE coding_doc (doc TEXT PRIMARY KEY)",
    ]

    /// What brings tables of version `n` to `n + 1`, by `n`.
    private static let upgrades: [Int32: [String]] = [
        1: blindCodingTables + [
            // Every event's first `doc` change, read from the stored bodies once.
            """
            INSERT INTO event_doc (event, doc, seq)
            SELECT DISTINCT ON (j->>'entity') j->>'entity', j->>'value', seq
            FROM (SELECT seq, convert_from(body, 'UTF8')::jsonb AS j FROM change) AS c
            WHERE j->>'field' = 'doc' AND j->>'entity' LIKE 'event/%'
            ORDER BY j->>'entity', seq
            """
        ]
    ]

    /// Creates the tables in an empty database, accepts one at this version, refuses anything else. Holds the push
    /// lock for its session, so servers starting together do not create the tables twice.
    private static func migrate(_ connection: PostgresConnection, location: String, logger: Logger) async throws {
        // Released when the caller closes the connection.
        try await connection.query("SELECT pg_advisory_lock(\(pushLock))", logger: logger)
        let tables = try await connection.query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
            logger: logger
        ).collect().map { try $0.decode(String.self) }
        if tables.contains("concord_schema") {
            let rows = try await connection.query("SELECT version FROM concord_schema", logger: logger).collect()
            let version = try rows.first?.decode(Int32.self) ?? 0
            guard version <= schemaVersion else {
                throw ServerStoreError(
                    path: location,
                    message: "the database was written by a newer concord-server (tables version \(version); this one "
                        + "knows \(schemaVersion)): upgrade concord-server; nothing was changed")
            }
            guard version < schemaVersion else { return }
            try await connection.query("BEGIN", logger: logger)
            do {
                for step in version..<schemaVersion {
                    for statement in upgrades[step] ?? [] {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                }
                try await connection.query("UPDATE concord_schema SET version = \(schemaVersion)", logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            return
        }
        guard tables.isEmpty else {
            throw ServerStoreError(
                path: location,
                message:
                    "the database holds \(tables.count) table\(tables.count == 1 ? "" : "s") of another application "
                    + "(\(tables.sorted().prefix(3).joined(separator: ", "))): "
                    + "give Concord a database of its own (createdb concord); nothing was changed")
        }
        try await connection.query("BEGIN", logger: logger)
        do {
            for statement in Self.tables {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query("CREATE TABLE concord_schema (version INTEGER NOT NULL)", logger: logger)
            try await connection.query("INSERT INTO concord_schema (version) VALUES (\(schemaVersion))", logger: logger)
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    // MARK: Push

    public func push(
        _ changes: [Change], replica: ReplicaID, by analyst: AnalystRecord, now: Int64, visibility: Visibility?
    ) async throws -> PushResult {
        let bodies = changes.map { ByteBuffer(data: $0.canonicalJSON) }
        let logger = logger
        let beforeCommit = beforeCommit
        return try await run {
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.pushLock))", logger: logger)
                let context = try await Self.loadContext(connection, for: changes, logger: logger)
                switch PushPlanner(analyst: analyst, now: now, visibility: visibility).plan(
                    changes, context: context)
                {
                case .failure(let refusal):
                    return .refused(refusal)
                case .success(let plan):
                    let cursor = try await Self.persist(
                        connection, plan: plan, bodies: plan.acceptedIndices.map { bodies[$0] }, replica: replica,
                        analyst: analyst.name, now: now, logger: logger)
                    // Delivered at commit to every server's LISTEN (``commits(_:)``), which wakes their long polls.
                    if !plan.accepted.isEmpty {
                        try await connection.query(
                            "SELECT pg_notify(\(Self.commitChannel), \(String(cursor)))", logger: logger)
                    }
                    await beforeCommit?(cursor)
                    return .stored(
                        Wire.PushResponse(accepted: plan.accepted.count, duplicates: plan.duplicates, cursor: cursor))
                }
            }
        }
    }

    private static func loadContext(_ connection: PostgresConnection, for changes: [Change], logger: Logger)
        async throws -> PushPlanner.Context
    {
        var context = PushPlanner.Context()
        let ids = changes.map(\.id.rawValue)
        for try await body in try await connection.query(
            "SELECT body FROM change WHERE id = ANY(\(ids))", logger: logger
        ).decode(ByteBuffer.self) {
            let change = try Change.decodeFast(json: Data(buffer: body))
            context.existing[change.id] = change
        }
        let listed = PushPlanner.listed(changes).map(\.rawValue)
        if !listed.isEmpty {
            for try await body in try await connection.query(
                "SELECT body FROM change WHERE id = ANY(\(listed))", logger: logger
            ).decode(ByteBuffer.self) {
                let change = try Change.decodeFast(json: Data(buffer: body))
                context.listed[change.id] = change
            }
        }
        for try await (change, entity, field) in try await connection.query(
            "SELECT change, entity, field FROM retired WHERE change = ANY(\(ids))", logger: logger
        ).decode((String, String, String).self) {
            let key = FieldKey(entity: EntityID(stored: entity), field: field)
            context.retired[key, default: []].insert(ChangeID(stored: change))
        }
        // The planner reads the live register versions and set adds of the fields the batch changes (never notes).
        let keys = Set(changes.lazy.filter { $0.op != .append }.map { FieldKey($0) })
        let entities = Array(Set(keys.map(\.entity.rawValue)))
        for try await (entity, field, version) in try await connection.query(
            """
            SELECT entity, field, version FROM live
            WHERE entity = ANY(\(entities)) AND kind <> \(VersionKind.note.rawValue)
            """, logger: logger
        ).decode((String, String, ByteBuffer).self) {
            let key = FieldKey(entity: EntityID(stored: entity), field: field)
            guard keys.contains(key) else { continue }
            context.live[key, default: []].append(try Self.version(version))
        }
        return context
    }

    /// Stores the plan; returns the new greatest `seq`. Runs under the push lock.
    private static func persist(
        _ connection: PostgresConnection, plan: PushPlanner.Plan, bodies: [ByteBuffer], replica: ReplicaID,
        analyst: AnalystName, now: Int64, logger: Logger
    ) async throws -> Int64 {
        let last =
            try await connection.query("SELECT COALESCE(MAX(seq), 0)::bigint FROM change", logger: logger)
            .collect().first?.decode(Int64.self) ?? 0
        guard !plan.accepted.isEmpty else { return last }
        let seqs = (1...Int64(plan.accepted.count)).map { last + $0 }
        let ids = plan.accepted.map(\.id.rawValue)
        try await connection.query(
            """
            INSERT INTO change (seq, id, body, analyst, replica, received)
            SELECT s, i, b, \(analyst.rawValue), \(replica.rawValue), \(now)
            FROM unnest(\(seqs)::bigint[], \(ids)::text[], \(bodies)::bytea[]) AS t(s, i, b)
            """, logger: logger)
        let entities = Array(Set(plan.accepted.map(\.entity.rawValue)))
        try await connection.query(
            "INSERT INTO entity (id) SELECT unnest(\(entities)::text[]) ON CONFLICT DO NOTHING", logger: logger)
        var homes: (event: [String], doc: [String], seq: [Int64]) = ([], [], [])
        var codingDocs: [String] = []
        for (change, seq) in zip(plan.accepted, seqs) {
            switch BlindIndex.home(of: change) {
            case .event(let doc):
                homes.event.append(change.entity.rawValue)
                homes.doc.append(doc.rawValue)
                homes.seq.append(seq)
            case .codingDocument: codingDocs.append(change.entity.rawValue)
            case nil: break
            }
        }
        if !homes.event.isEmpty {
            // The first `doc` change of an event wins: earlier pushes' rows stay, and within this push the lowest seq.
            try await connection.query(
                """
                INSERT INTO event_doc (event, doc, seq)
                SELECT DISTINCT ON (e) e, d, s FROM unnest(\(homes.event)::text[], \(homes.doc)::text[],
                    \(homes.seq)::bigint[]) AS t(e, d, s) ORDER BY e, s
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        if !codingDocs.isEmpty {
            try await connection.query(
                "INSERT INTO coding_doc (doc) SELECT unnest(\(codingDocs)::text[]) ON CONFLICT DO NOTHING",
                logger: logger)
        }

        var removed: [String] = []
        var live:
            (change: [String], entity: [String], field: [String], kind: [String], isTrue: [Bool], version: [ByteBuffer]) =
                ([], [], [], [], [], [])
        var retired: (change: [String], entity: [String], field: [String]) = ([], [], [])
        let encoder = JSONEncoder()
        for delta in plan.fields {
            removed += delta.removed.map(\.rawValue)
            for version in delta.inserted {
                live.change.append(version.change.rawValue)
                live.entity.append(delta.key.entity.rawValue)
                live.field.append(delta.key.field)
                live.kind.append(VersionKind(delta.kind).rawValue)
                live.isTrue.append(version.value == .bool(true))
                live.version.append(ByteBuffer(data: try encoder.encode(version)))
            }
            for retirement in delta.retired {
                retired.change.append(retirement.id.rawValue)
                retired.entity.append(delta.key.entity.rawValue)
                retired.field.append(delta.key.field)
            }
        }
        if !removed.isEmpty {
            try await connection.query("DELETE FROM live WHERE change = ANY(\(removed))", logger: logger)
        }
        if !live.change.isEmpty {
            try await connection.query(
                """
                INSERT INTO live (change, entity, field, kind, is_true, version)
                SELECT * FROM unnest(\(live.change)::text[], \(live.entity)::text[], \(live.field)::text[],
                    \(live.kind)::text[], \(live.isTrue)::boolean[], \(live.version)::bytea[])
                """, logger: logger)
        }
        if !retired.change.isEmpty {
            try await connection.query(
                """
                INSERT INTO retired (change, entity, field)
                SELECT * FROM unnest(\(retired.change)::text[], \(retired.entity)::text[], \(retired.field)::text[])
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        return seqs.last!
    }

    private static func version(_ bytes: ByteBuffer) throws -> Version {
        try JSONDecoder().decode(Version.self, from: Data(buffer: bytes))
    }

    // MARK: Reads

    public func changes(after: Int64, limit: Int) async throws -> ChangePage {
        try await run {
            var rows = try await client.query(
                "SELECT seq, body FROM change WHERE seq > \(after) ORDER BY seq LIMIT \(limit + 1)", logger: logger
            ).decode((Int64, ByteBuffer).self).makeAsyncIterator()
            var fetched: [StoredChange] = []
            while let (seq, body) = try await rows.next() {
                fetched.append(StoredChange(seq: seq, body: Array(body.readableBytesView)))
            }
            var index = 0
            return ChangePage.collect(limit: limit) {
                defer { index += 1 }
                return index < fetched.count ? fetched[index] : nil
            }
        }
    }

    public func snapshot(of entity: EntityID) async throws -> EntitySnapshot? {
        try await run {
            let known = try await client.query("SELECT 1 FROM entity WHERE id = \(entity.rawValue)", logger: logger)
                .collect()
            guard !known.isEmpty else { return nil }
            return try await snapshots([entity.rawValue])[entity]
                ?? EntitySnapshot(id: entity, registers: [:], setAdds: [:], notes: [])
        }
    }

    /// The snapshots of `entities` (all entities with a live row when nil), from their live rows.
    private func snapshots(_ entities: [String]?) async throws -> [EntityID: EntitySnapshot] {
        let query: PostgresQuery =
            if let entities { "SELECT entity, field, version FROM live WHERE entity = ANY(\(entities))" } else {
                "SELECT entity, field, version FROM live"
            }
        var live: [String: [String: [Version]]] = [:]
        for try await (entity, field, version) in try await client.query(query, logger: logger).decode(
            (String, String, ByteBuffer).self)
        {
            live[entity, default: [:]][field, default: []].append(try Self.version(version))
        }
        var snapshots: [EntityID: EntitySnapshot] = [:]
        for (entity, fields) in live {
            let id = EntityID(stored: entity)
            snapshots[id] = EntitySnapshot.build(id: id, live: fields)
        }
        return snapshots
    }

    public func changeID(at seq: Int64) async throws -> String? {
        try await run {
            try await client.query("SELECT id FROM change WHERE seq = \(seq)", logger: logger).collect().first?.decode(
                String.self)
        }
    }

    public func codingDocuments() async throws -> [Blinding.Document] {
        try await run {
            let ids = try await client.query("SELECT doc FROM coding_doc", logger: logger).collect().map {
                try $0.decode(String.self)
            }
            guard !ids.isEmpty else { return [] }
            return try await snapshots(ids).values.map(Blinding.Document.init).sorted { $0.id < $1.id }
        }
    }

    public func eventHomes(in documents: Set<EntityID>) async throws -> [EntityID: EventHome] {
        guard !documents.isEmpty else { return [:] }
        return try await run {
            var homes: [EntityID: EventHome] = [:]
            for try await (event, doc, seq) in try await client.query(
                "SELECT event, doc, seq FROM event_doc WHERE doc = ANY(\(documents.map(\.rawValue)))", logger: logger
            ).decode((String, String, Int64).self) {
                homes[EntityID(stored: event)] = EventHome(document: EntityID(stored: doc), seq: seq)
            }
            return homes
        }
    }

    public func conflictedSnapshots() async throws -> [EntitySnapshot] {
        try await run {
            // Candidates only; the merge in ConcordCore decides what is a conflict.
            let candidates = try await client.query(
                """
                SELECT entity FROM live WHERE kind = \(VersionKind.register.rawValue) GROUP BY entity, field
                HAVING COUNT(*) > 1
                UNION SELECT entity FROM live WHERE field = \(EntitySnapshot.deletedField) AND is_true
                """, logger: logger
            ).collect().map { try $0.decode(String.self) }
            guard !candidates.isEmpty else { return [] }
            return try await snapshots(candidates).values.filter { $0.conflictCount > 0 }.sorted { $0.id < $1.id }
        }
    }

    public func allSnapshots() async throws -> [EntitySnapshot] {
        try await run { try await snapshots(nil).values.sorted { $0.id < $1.id } }
    }

    public func allChanges() async throws -> [Change] {
        try await run {
            var changes: [Change] = []
            for try await body in try await client.query("SELECT body FROM change ORDER BY seq", logger: logger)
                .decode(ByteBuffer.self)
            {
                changes.append(try Change.decodeFast(json: Data(buffer: body)))
            }
            return changes
        }
    }

    /// The greatest `seq`, which is also the number of changes: under the push lock `seq` is assigned as the
    /// greatest committed one plus one, and a rolled-back push leaves no gap (unlike a sequence). One index probe,
    /// where `COUNT(*)` would scan the table on every health check.
    public func changeCount() async throws -> Int64 { try await lastSeq() }

    /// The channel every push notifies at its commit, with its new greatest `seq` as the payload.
    static let commitChannel = "concord_commits"

    /// Calls `onCommit` with the greatest `seq` of every push committed by any server process on this database, as
    /// PostgreSQL delivers its NOTIFY; runs until the task is cancelled. A lost connection is reopened after a second
    /// (a poll covers what was missed meanwhile, see `ChangeSignal`).
    public func commits(_ onCommit: @escaping @Sendable (Int64) -> Void) async {
        let logger = logger
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.commitChannel) { notifications in
                        for try await notification in notifications {
                            if let seq = Int64(notification.payload) { onCommit(seq) }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.notice("listening for commits failed; again in 1 s", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// The greatest committed `seq` (0 when empty): what the long polls of other server processes wait for.
    public func lastSeq() async throws -> Int64 {
        try await run {
            try await client.query("SELECT COALESCE(MAX(seq), 0)::bigint FROM change", logger: logger).collect()
                .first?.decode(Int64.self) ?? 0
        }
    }

    // MARK: Analysts

    public func addAnalyst(_ analyst: AnalystRecord) async throws {
        let inserted = try await run {
            try await client.query(
                """
                INSERT INTO analyst (name, role, token_sha256, created, revoked)
                VALUES (\(analyst.name.rawValue), \(analyst.role.rawValue), \(ByteBuffer(bytes: analyst.tokenHash)),
                    \(analyst.created), \(analyst.revoked))
                ON CONFLICT (name) DO NOTHING RETURNING name
                """, logger: logger
            ).collect().count
        }
        if inserted == 0 { throw AdminError.analystExists(analyst.name) }
    }

    public func analysts() async throws -> [AnalystRecord] {
        try await run {
            var records: [AnalystRecord] = []
            for try await (name, role, hash, created, revoked) in try await client.query(
                "SELECT name, role, token_sha256, created, revoked FROM analyst ORDER BY name", logger: logger
            ).decode((String, String, ByteBuffer, Int64, Int64?).self) {
                guard let role = Role(rawValue: role) else {
                    throw ServerStoreError(path: location, message: "analyst \(name) has unknown role \(role)")
                }
                records.append(
                    AnalystRecord(
                        name: try AnalystName(name), role: role, tokenHash: Array(hash.readableBytesView),
                        created: created, revoked: revoked))
            }
            return records
        }
    }

    public func revoke(_ name: AnalystName, at: Int64) async throws {
        let updated = try await run {
            try await client.query(
                """
                UPDATE analyst SET revoked = COALESCE(revoked, \(at)) WHERE name = \(name.rawValue) RETURNING name
                """, logger: logger
            ).collect().count
        }
        if updated == 0 { throw AdminError.unknownAnalyst(name) }
    }

    public func close() async throws {
        runner.cancel()
        await runner.value
    }
}

/// The store's database cannot be reached right now (it went away, or is restarting): answered 503, retry later.
public struct StoreUnavailable: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
