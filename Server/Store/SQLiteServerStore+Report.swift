import ConcordCore
import ConcordStore
import ConcordSQLite
import Foundation
import GRDB

extension SQLiteServerStore {
    /// What the conflict report needs (see ``ReportInputs``): one pass over the log's bodies for the per-author
    /// tallies, the coding votes and the changes that supersede several ids, and the merged `live` view for the
    /// entities that can show a conflict, instead of refolding every change.
    public func reportInputs() async throws -> ReportInputs {
        // A pass over the whole log: on a thread that yields the CPU to pushes and pulls (issue 31).
        let pool = pool
        return try await offload(background: true) {
            try pool.read { db in try ReportInputs(reading: try SQLiteReportSource(db)) }
        }
    }
}

/// The server store's answers to the report's reads (``ReportSource``): what needs every change comes from one pass
/// over the log, made when the source is made; the rest from the `live` view.
struct SQLiteReportSource: ReportSource {
    typealias Failure = any Error

    let db: Database
    private var tallies = AuthorTallies()
    private var coding = CodingAccumulator()
    private var superseding: [ReportInputs.SupersedingChange] = []
    /// The events whose displayed `deleted` is true.
    private let deletedEvents: Set<String>

    init(_ db: Database) throws {
        self.db = db
        let bodies = try Row.fetchCursor(db, sql: "SELECT body FROM change ORDER BY seq")
        while let row = try bodies.next() {
            let change = try Change.decodeFast(json: row[0] as Data)
            tallies.add(change)
            coding.add(change)
            if ReportInputs.SupersedingChange.isCandidate(change) {
                superseding.append(.init(change: .init(change), reason: change.reason))
            }
        }
        // Only an event with a live `deleted = true` version can be displayed as deleted; the merge says which are.
        deletedEvents = Set(
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT entity FROM live
                    WHERE field = '\(EntitySnapshot.deletedField)' AND value = 1 AND substr(entity, 1, 6) = 'event/'
                    """
            ).filter { try LiveRows.live.load(EntityID(stored: $0), db).snapshot.deleted })
    }

    func totals() throws -> ReportInputs.Totals {
        let kinds = try Row.fetchOne(
            db,
            sql: """
                SELECT TOTAL(substr(id, 1, 9) = 'document/'), TOTAL(substr(id, 1, 6) = 'event/') FROM entity
                """)!
        return .init(
            changes: tallies.changes, analysts: tallies.analysts, documents: Int(kinds[0] as Double),
            events: Int(kinds[1] as Double), deletedEvents: deletedEvents.count)
    }

    func conflictCandidates() throws -> Set<EntityID> {
        // A register with two or more live versions, or a live `deleted=true` version (the merge then says whether
        // it is displayed, and what it did not see).
        let ids = try String.fetchAll(db, sql: SQLiteServerStore.conflictCandidatesSQL)
        return Set(ids.lazy.map { EntityID(stored: $0) })
    }

    func supersedingCandidates() -> [ReportInputs.SupersedingChange] { superseding }

    func setChanges(listedBy change: ReportInputs.SetChange) throws -> [ReportInputs.SetChange] {
        let byID = try db.cachedStatement(sql: "SELECT body FROM change WHERE id = ?")
        var superseded: [ReportInputs.SetChange] = []
        for id in Set(change.version.context) where id != change.version.change {
            guard let body = try Data.fetchOne(byID, arguments: [id.rawValue]) else { continue }
            let old = try Change.decodeFast(json: body)
            if old.op == .set && old.entity == change.entity && old.field == change.field {
                superseded.append(.init(old))
            }
        }
        return superseded
    }

    func liveEntity(_ id: EntityID) throws -> LiveEntity { try LiveRows.live.load(id, db) }

    func agreementInput() throws -> AgreementInput {
        let links = try self.links()
        var documents: [String: String] = [:]
        // The displayed value of a register is its greatest live version by (hlc, replica, change).
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT entity, value FROM live WHERE field = 'doc' AND substr(entity, 1, 6) = 'event/'
                ORDER BY entity, hlc, replica, change
                """)
        while let row = try rows.next() { documents[row[0]] = row[1] as String }
        return coding.input(documents: documents, deleted: deletedEvents, links: links)
    }

    func clusterMembers() throws -> [EntitySnapshot] {
        // Every member of a multi-event cluster is a linked event.
        let linked = Set(try links().flatMap { [$0.0, $0.1] })
        return try LiveRows.live.loadAll(linked.map { EntityID(stored: $0) }, db).values.map(\.snapshot)
    }

    /// Every live link between events, as (event, linked event) ids.
    private func links() throws -> [(String, String)] {
        try Row.fetchAll(
            db,
            sql:
                "SELECT entity, value FROM live WHERE field = '\(Schema.sameAsField)' AND substr(entity, 1, 6) = 'event/'"
        ).map { ($0[0], $0[1]) }
    }
}
