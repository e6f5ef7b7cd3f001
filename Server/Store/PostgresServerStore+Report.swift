import ConcordCore
import ConcordSQLite
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import PostgresNIO

extension PostgresServerStore {
    /// What the conflict report needs (``ReportInputs``), as the SQLite store reads it: one pass over the log's
    /// bodies (``ReportLogPass``) and a few reads of the merged `live` rows, then the steps of ``ReportPlan``, each one
    /// query: the changes the superseding candidates list, the entities the report shows, their documents.
    public func reportInputs() async throws -> ReportInputs {
        let client = self.client
        let logger = self.logger
        return try await run {
            try await ReportPlan.run(
                try await Self.reportStart(client, logger: logger),
                sets: { ids in
                    var sets: [ReportInputs.SetChange] = []
                    for try await body in try await client.query(
                        "SELECT body FROM change WHERE id = ANY(\(ids.map(\.rawValue)))", logger: logger
                    ).decode(ByteBuffer.self) {
                        let change = try Change.decodeFast(json: Data(buffer: body))
                        if change.op == .set { sets.append(.init(change)) }
                    }
                    return sets
                },
                entities: { ids in Array(try await Self.liveEntities(Array(ids), client, logger: logger).values) })
        }
    }

    /// Everything the report's plan starts from: the pass over the log, the totals, the conflict candidates, the
    /// coding input and the linked events.
    private static func reportStart(_ client: PostgresClient, logger: Logger) async throws -> ReportPlan.Start {
        var pass = ReportLogPass()
        for try await body in try await client.query("SELECT body FROM change ORDER BY seq", logger: logger)
            .decode(ByteBuffer.self)
        {
            pass.add(try Change.decodeFast(json: Data(buffer: body)))
        }
        // Only an event with a live `deleted = true` version can be displayed as deleted; the merge says which are.
        let deletedCandidates = try await client.query(
            "SELECT DISTINCT entity FROM live WHERE field = \(EntitySnapshot.deletedField) AND is_true",
            logger: logger
        ).collect().map { EntityID(stored: try $0.decode(String.self)) }.filter { $0.kind == .event }
        let deleted = Set(
            try await liveEntities(deletedCandidates, client, logger: logger).values.filter(\.snapshot.deleted)
                .map(\.id.rawValue))
        var kinds: (Int64, Int64) = (0, 0)
        for try await counts in try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT COUNT(*) FILTER (WHERE \(EntityID.Kind.document.postgresCondition("id")))::bigint,
                           COUNT(*) FILTER (WHERE \(EntityID.Kind.event.postgresCondition("id")))::bigint
                    FROM entity
                    """), logger: logger
        ).decode((Int64, Int64).self) {
            kinds = counts
        }
        let totals = ReportInputs.Totals(
            changes: pass.tallies.changes, analysts: pass.tallies.analysts, documents: Int(kinds.0),
            events: Int(kinds.1), deletedEvents: deleted.count)
        let candidates = Set(
            try await client.query(PostgresServerStore.conflictCandidatesQuery, logger: logger).collect().map {
                EntityID(stored: try $0.decode(String.self))
            })

        // Every event's displayed document (its greatest live `doc` version) and every live link.
        var documents: [String: Version] = [:]
        var links: [(String, String)] = []
        for try await (entity, field, bytes) in try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT entity, field, version FROM live
                    WHERE field IN ('doc', '\(Schema.sameAsField)') AND \(EntityID.Kind.event.postgresCondition("entity"))
                    """), logger: logger
        ).decode((String, String, ByteBuffer).self) {
            let version = try JSONDecoder().decode(Version.self, from: Data(buffer: bytes))
            if field == "doc" {
                if documents[entity].map({ $0.precedes(version) }) ?? true { documents[entity] = version }
            } else if let other = version.value.string {
                links.append((entity, other))
            }
        }
        return ReportPlan.Start(
            totals: totals, conflictCandidates: candidates, superseding: pass.superseding,
            coding: pass.coding.input(
                documents: documents.compactMapValues(\.value.string), deleted: deleted, links: links),
            linked: Set(links.flatMap { [EntityID(stored: $0.0), EntityID(stored: $0.1)] }))
    }

    /// The merged live state of the entities of `ids` that the `live` view holds.
    static func liveEntities(
        _ ids: [EntityID], _ client: PostgresClient, logger: Logger
    ) async throws -> [EntityID: LiveEntity] {
        var entities: [EntityID: LiveEntity] = [:]
        guard !ids.isEmpty else { return entities }
        for try await (entity, field, kind, bytes) in try await client.query(
            "SELECT entity, field, kind, version FROM live WHERE entity = ANY(\(Set(ids).map(\.rawValue)))",
            logger: logger
        ).decode((String, String, String, ByteBuffer).self) {
            let id = EntityID(stored: entity)
            let version = try JSONDecoder().decode(Version.self, from: Data(buffer: bytes))
            // A kind this build does not know is read as a note, the most inert kind (as LiveRows does).
            entities[id, default: LiveEntity(id: id)].add(
                version, field: field, kind: VersionKind(rawValue: kind)?.schemaKind ?? .list)
        }
        return entities
    }
}

extension EntityID.Kind {
    /// A PostgreSQL condition that the entity id in `column` is of this kind, the one spelling the PostgreSQL store
    /// uses (a range would depend on the database's collation, `LIKE` with a fixed prefix does not). Upgrade steps
    /// keep the text they were written with.
    func postgresCondition(_ column: String) -> String { "\(column) LIKE '\(rawValue)/%'" }
}
