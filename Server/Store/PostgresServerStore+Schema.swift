import ConcordCore
import ConcordSQLite
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import PostgresNIO

/// The PostgreSQL store's tables, and the steps that bring an older database to this version (protocol.md §8).
extension PostgresServerStore {
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
        ] + blindCodingTables + snapshotTables

    /// Tables version 2 added (protocol.md §15): each event's document, and the documents with coding fields.
    private static let blindCodingTables: [String] = [
        "CREATE TABLE event_doc (event TEXT PRIMARY KEY, doc TEXT NOT NULL, seq BIGINT NOT NULL)",
        "CREATE INDEX event_doc_by_doc ON event_doc (doc)",
        "CREATE TABLE coding_doc (doc TEXT PRIMARY KEY)",
    ]

    /// Tables version 3 added (protocol.md §14.3): the snapshots every server process of the database serves, in
    /// chunks of at most 1 MiB, and which process makes them (a lease).
    private static let snapshotTables: [String] = [
        "CREATE TABLE snapshot (seq BIGINT PRIMARY KEY, manifest TEXT NOT NULL)",
        """
        CREATE TABLE snapshot_chunk (
            seq BIGINT NOT NULL REFERENCES snapshot (seq) ON DELETE CASCADE,
            n INTEGER NOT NULL,
            bytes BYTEA NOT NULL,
            PRIMARY KEY (seq, n)
        )
        """,
        "CREATE TABLE snapshot_maker (id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT NOT NULL, until BIGINT NOT NULL)",
    ]

    /// What brings tables of version `n` to `n + 1`, by `n`.
    private static let upgrades: [Int32: [String]] = [
        2: snapshotTables,
        1: blindCodingTables + [
            // Every event's first `doc` change, read from the stored bodies once.
            """
            INSERT INTO event_doc (event, doc, seq)
            SELECT DISTINCT ON (j->>'entity') j->>'entity', j->>'value', seq
            FROM (SELECT seq, convert_from(body, 'UTF8')::jsonb AS j FROM change) AS c
            WHERE j->>'field' = 'doc' AND j->>'entity' LIKE 'event/%'
            ORDER BY j->>'entity', seq
            """
        ],
    ]

    /// Creates the tables in an empty database, accepts one at this version, refuses anything else. Holds the push
    /// lock for its session, so servers starting together do not create the tables twice.
    static func migrate(_ connection: PostgresConnection, location: String, logger: Logger) async throws {
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
}
