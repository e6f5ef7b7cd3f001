import ConcordCore
import ConcordSQLite
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import PostgresNIO

extension PostgresServerStore {
    /// What the conflict report needs (``ReportInputs``), as the SQLite store reads it: one pass over the log's
    /// bodies for the per-author tallies, the coding votes and the changes that supersede several ids, and the
    /// merged `live` rows of the entities the report shows, instead of refolding every change in memory.
    ///
    /// ``ReportInputs/init(reading:)`` asks its source synchronously, and PostgreSQL answers asynchronously, so the
    /// source here holds what was fetched and notes what it was asked for and did not have; the missing rows are
    /// fetched and the inputs read again, until nothing is missing (three or four quick passes: the superseded
    /// changes, then the entities they involve, then those entities' documents).
    public func reportInputs() async throws -> ReportInputs {
        let logger = self.logger
        return try await run {
            let source = try await PostgresReportSource.start(client, logger: logger)
            while true {
                let inputs = ReportInputs(reading: source)
                guard source.hasMissing else { return inputs }
                try await source.fetchMissing(client, logger: logger)
            }
        }
    }
}

/// The report's reads over rows fetched from PostgreSQL (see ``PostgresServerStore/reportInputs()``).
final class PostgresReportSource: ReportSource, @unchecked Sendable {
    typealias Failure = Never

    private var totalsRead = ReportInputs.Totals()
    private var candidates: Set<EntityID> = []
    private var superseding: [ReportInputs.SupersedingChange] = []
    private var coding: AgreementInput?
    private var members: [EntitySnapshot] = []
    /// Fetched rows, and what was asked for and not fetched yet.
    private var entities: [EntityID: LiveEntity] = [:]
    private var changes: [ChangeID: Change] = [:]
    private var missingEntities: Set<EntityID> = []
    private var missingChanges: Set<ChangeID> = []
    /// Ids asked for that the log does not hold, so they are not asked for again.
    private var absentChanges: Set<ChangeID> = []

    var hasMissing: Bool { !missingEntities.isEmpty || !missingChanges.isEmpty }

    /// Everything that does not depend on what the report goes on to ask: the pass over the log, the totals, the
    /// conflict candidates, the coding input and the linked events.
    static func start(_ client: PostgresClient, logger: Logger) async throws -> PostgresReportSource {
        let source = PostgresReportSource()
        var tallies = AuthorTallies()
        var coding = CodingAccumulator()
        for try await body in try await client.query("SELECT body FROM change ORDER BY seq", logger: logger)
            .decode(ByteBuffer.self)
        {
            let change = try Change.decodeFast(json: Data(buffer: body))
            tallies.add(change)
            coding.add(change)
            if ReportInputs.SupersedingChange.isCandidate(change) {
                source.superseding.append(.init(change: .init(change), reason: change.reason))
            }
        }
        // Only an event with a live `deleted = true` version can be displayed as deleted; the merge says which are.
        let deletedCandidates = try await client.query(
            "SELECT DISTINCT entity FROM live WHERE field = \(EntitySnapshot.deletedField) AND is_true",
            logger: logger
        ).collect().map { EntityID(stored: try $0.decode(String.self)) }
        try await source.fetch(entities: deletedCandidates, client, logger: logger)
        let deleted = Set(
            deletedCandidates.filter { $0.kind == .event && source.entities[$0]?.snapshot.deleted == true }
                .map(\.rawValue))
        var kinds: (Int64, Int64) = (0, 0)
        for try await counts in try await client.query(
            """
            SELECT COUNT(*) FILTER (WHERE id LIKE 'document/%')::bigint, COUNT(*) FILTER (WHERE id LIKE 'event/%')::bigint
            FROM entity
            """, logger: logger
        ).decode((Int64, Int64).self) {
            kinds = counts
        }
        source.totalsRead = .init(
            changes: tallies.changes, analysts: tallies.analysts, documents: Int(kinds.0), events: Int(kinds.1),
            deletedEvents: deleted.count)
        source.candidates = Set(
            try await client.query(PostgresServerStore.conflictCandidatesQuery, logger: logger).collect().map {
                EntityID(stored: try $0.decode(String.self))
            })

        // Every event's displayed document (its greatest live `doc` version) and every live link.
        var documents: [String: Version] = [:]
        var links: [(String, String)] = []
        for try await (entity, field, bytes) in try await client.query(
            """
            SELECT entity, field, version FROM live
            WHERE field IN ('doc', \(Schema.sameAsField)) AND entity LIKE 'event/%'
            """, logger: logger
        ).decode((String, String, ByteBuffer).self) {
            let version = try JSONDecoder().decode(Version.self, from: Data(buffer: bytes))
            if field == "doc" {
                if documents[entity].map({ $0.precedes(version) }) ?? true { documents[entity] = version }
            } else if let other = version.value.string {
                links.append((entity, other))
            }
        }
        source.coding = coding.input(
            documents: documents.compactMapValues(\.value.string), deleted: deleted, links: links)
        let linked = Set(links.flatMap { [$0.0, $0.1] }).map { EntityID(stored: $0) }
        try await source.fetch(entities: linked, client, logger: logger)
        source.members = linked.compactMap { source.entities[$0]?.snapshot }
        return source
    }

    /// Fetches what the last read asked for and did not have.
    func fetchMissing(_ client: PostgresClient, logger: Logger) async throws {
        let ids = missingChanges.map(\.rawValue)
        missingChanges = []
        if !ids.isEmpty {
            for try await body in try await client.query(
                "SELECT body FROM change WHERE id = ANY(\(ids))", logger: logger
            )
            .decode(ByteBuffer.self) {
                let change = try Change.decodeFast(json: Data(buffer: body))
                changes[change.id] = change
            }
            for id in ids where changes[ChangeID(stored: id)] == nil { absentChanges.insert(ChangeID(stored: id)) }
        }
        let wanted = Array(missingEntities)
        missingEntities = []
        try await fetch(entities: wanted, client, logger: logger)
        for id in wanted where entities[id] == nil { entities[id] = LiveEntity(id: id) }
    }

    /// Adds the live rows of the entities of `ids` not fetched yet (fetching one twice would double its versions).
    private func fetch(entities wanted: [EntityID], _ client: PostgresClient, logger: Logger) async throws {
        let ids = Array(Set(wanted).filter { entities[$0] == nil })
        guard !ids.isEmpty else { return }
        for try await (entity, field, kind, bytes) in try await client.query(
            "SELECT entity, field, kind, version FROM live WHERE entity = ANY(\(ids.map(\.rawValue)))",
            logger: logger
        ).decode((String, String, String, ByteBuffer).self) {
            let id = EntityID(stored: entity)
            let version = try JSONDecoder().decode(Version.self, from: Data(buffer: bytes))
            // A kind this build does not know is read as a note, the most inert kind (as LiveRows does).
            entities[id, default: LiveEntity(id: id)].add(
                version, field: field, kind: VersionKind(rawValue: kind)?.schemaKind ?? .list)
        }
    }

    // MARK: ReportSource

    func totals() -> ReportInputs.Totals { totalsRead }

    func conflictCandidates() -> Set<EntityID> { candidates }

    func supersedingCandidates() -> [ReportInputs.SupersedingChange] { superseding }

    func setChanges(listedBy change: ReportInputs.SetChange) -> [ReportInputs.SetChange] {
        var superseded: [ReportInputs.SetChange] = []
        for id in Set(change.version.context) where id != change.version.change {
            guard let old = changes[id] else {
                if !absentChanges.contains(id) { missingChanges.insert(id) }
                continue
            }
            if old.op == .set && old.entity == change.entity && old.field == change.field {
                superseded.append(.init(old))
            }
        }
        return superseded
    }

    func liveEntity(_ id: EntityID) -> LiveEntity {
        if let entity = entities[id] { return entity }
        missingEntities.insert(id)
        return LiveEntity(id: id)
    }

    func agreementInput() -> AgreementInput { coding ?? AgreementInput(events: [], votes: []) }

    func clusterMembers() -> [EntitySnapshot] { members }
}
