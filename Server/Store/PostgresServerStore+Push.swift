import ConcordCore
import ConcordSQLite
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import PostgresNIO

/// A push on PostgreSQL: the planner's context loaded in bulk, the plan persisted with `unnest` arrays, under the
/// push lock.
extension PostgresServerStore {
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

    static func version(_ bytes: ByteBuffer) throws -> Version {
        try JSONDecoder().decode(Version.self, from: Data(buffer: bytes))
    }
}
