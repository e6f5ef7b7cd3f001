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
            try pool.read { db in try SQLiteReportReads.inputs(db) }
        }
    }
}

/// The server store's reads for the report (``ReportPlan``): what needs every change comes from one pass over the
/// log (``ReportLogPass``), the rest from the `live` view.
enum SQLiteReportReads {
    static func inputs(_ db: Database) throws -> ReportInputs {
        try ReportPlan.run(
            try start(db),
            sets: { ids in
                let byID = try db.cachedStatement(sql: "SELECT body FROM change WHERE id = ?")
                return try ids.compactMap { id in
                    guard let body = try Data.fetchOne(byID, arguments: [id.rawValue]) else { return nil }
                    let change = try Change.decodeFast(json: body)
                    return change.op == .set ? .init(change) : nil
                }
            },
            entities: { ids in try Array(LiveRows.live.loadAll(Array(ids), db).values) })
    }

    private static func start(_ db: Database) throws -> ReportPlan.Start {
        var pass = ReportLogPass()
        let bodies = try Row.fetchCursor(db, sql: "SELECT body FROM change ORDER BY seq")
        while let row = try bodies.next() { pass.add(try Change.decodeFast(json: row[0] as Data)) }
        // Only an event with a live `deleted = true` version can be displayed as deleted; the merge says which are.
        let deletedEvents = Set(
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT entity FROM live
                    WHERE field = '\(EntitySnapshot.deletedField)' AND value = 1 AND \(EntityID.Kind.event.sqlCondition("entity"))
                    """
            ).filter { try LiveRows.live.load(EntityID(stored: $0), db).snapshot.deleted })
        let kinds = try Row.fetchOne(
            db,
            sql: """
                SELECT TOTAL(\(EntityID.Kind.document.sqlCondition("id"))), TOTAL(\(EntityID.Kind.event.sqlCondition("id"))) FROM entity
                """)!
        let totals = ReportInputs.Totals(
            changes: pass.tallies.changes, analysts: pass.tallies.analysts, documents: Int(kinds[0] as Double),
            events: Int(kinds[1] as Double), deletedEvents: deletedEvents.count)
        // A register with two or more live versions, or a live `deleted=true` version (the merge then says whether
        // it is displayed, and what it did not see).
        let candidates = Set(
            try String.fetchAll(db, sql: SQLiteServerStore.conflictCandidatesSQL).lazy.map { EntityID(stored: $0) })
        // Every live link between events, as (event, linked event) ids.
        let links: [(String, String)] = try Row.fetchAll(
            db,
            sql: """
                SELECT entity, value FROM live
                WHERE field = '\(Schema.sameAsField)' AND \(EntityID.Kind.event.sqlCondition("entity"))
                """
        ).map { ($0[0], $0[1]) }
        var documents: [String: String] = [:]
        // The displayed value of a register is its greatest live version by (hlc, replica, change).
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT entity, value FROM live WHERE field = 'doc' AND \(EntityID.Kind.event.sqlCondition("entity"))
                ORDER BY entity, hlc, replica, change
                """)
        while let row = try rows.next() { documents[row[0]] = row[1] as String }
        return ReportPlan.Start(
            totals: totals, conflictCandidates: candidates, superseding: pass.superseding,
            coding: pass.coding.input(documents: documents, deleted: deletedEvents, links: links),
            linked: Set(links.flatMap { [EntityID(stored: $0.0), EntityID(stored: $0.1)] }))
    }
}
