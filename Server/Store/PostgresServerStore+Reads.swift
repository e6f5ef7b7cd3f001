import ConcordCore
import ConcordSQLite
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import PostgresNIO

/// Reads of the PostgreSQL store: pages of the log, merged views, the blind-coding indexes, the commit signal.
extension PostgresServerStore {
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

    /// The entities that may show a conflict (as ``SQLiteServerStore/conflictCandidatesSQL``): one spelling for the
    /// route and the report.
    static var conflictCandidatesQuery: PostgresQuery {
        """
        SELECT entity FROM live WHERE kind = \(VersionKind.register.rawValue) GROUP BY entity, field
        HAVING COUNT(*) > 1
        UNION SELECT entity FROM live WHERE field = \(EntitySnapshot.deletedField) AND is_true
        """
    }

    public func conflictedSnapshots() async throws -> [EntitySnapshot] {
        try await run {
            // Candidates only; the merge in ConcordCore decides what is a conflict.
            let candidates = try await client.query(Self.conflictCandidatesQuery, logger: logger).collect().map {
                try $0.decode(String.self)
            }
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
}
