import ConcordCore
import ConcordSQLite
import GRDB

extension LocalStore {
    /// What the conflict report needs, read from the tables kept for it (``ReportState``), the merged view and the
    /// few changes that supersede several of their field's, instead of refolding every change (see ``ReportPlan``).
    public func reportInputs() throws -> ReportInputs {
        try read { db in
            try ReportPlan.run(
                try Self.reportStart(db),
                sets: { ids in
                    let byID = try db.cachedStatement(
                        sql: "SELECT \(Columns.changeSelection) FROM change WHERE id = ? AND op = 'set'")
                    return try ids.compactMap { id in
                        try Row.fetchOne(byID, arguments: [id.rawValue]).map { .init(try Columns.change($0)) }
                    }
                },
                entities: { ids in try Array(LiveRows.version.loadAll(Array(ids), db).values) })
        }
    }

    /// What the report's plan starts from, read from the tables ``ReportState`` keeps up to date as changes are
    /// applied.
    private static func reportStart(_ db: Database) throws -> ReportPlan.Start {
        var totals = ReportInputs.Totals()
        let authors = try RawStatement(db, sql: "SELECT author, changes, events, first, last FROM report_author")
        try authors.forEachRow { row in
            totals.analysts.append(
                .init(
                    name: try AnalystName(row.text(0)), changes: Int(row.integer(1)),
                    eventsTouched: Int(row.integer(2)),
                    first: try HLC(row.text(3)), last: try HLC(row.text(4))))
        }
        totals.changes = totals.analysts.reduce(0) { $0 + $1.changes }
        for row in try Row.fetchAll(db, sql: "SELECT kind, entities, deleted FROM report_entity_count") {
            let kind: String = row[0]
            switch EntityID.Kind(rawValue: kind) {
            case .document: totals.documents = row[1]
            case .event:
                totals.events = row[1]
                totals.deletedEvents = row[2]
            case nil:
                throw StoreError.invalid("the store holds an entity of unknown kind \"\(kind)\"; upgrade concord")
            }
        }
        // Registers with two or more live versions (kept in `report_entity`), and delete/edit conflicts.
        let candidates = try String.fetchAll(
            db,
            sql: """
                SELECT id FROM report_entity UNION SELECT id FROM entity WHERE conflicts > 0 AND deleted != 0
                """)
        // A superset of the superseding changes, kept as changes are applied (``ReportState``).
        let superseding = try Row.fetchAll(
            db,
            sql: """
                SELECT \(Columns.changeSelection) FROM change
                WHERE seq IN (SELECT seq FROM report_superseding) ORDER BY seq
                """
        ).map { row in
            let change = try Columns.change(row)
            return ReportInputs.SupersedingChange(change: .init(change), reason: change.reason)
        }
        return ReportPlan.Start(
            totals: totals, conflictCandidates: Set(candidates.lazy.map { EntityID(stored: $0) }),
            superseding: superseding, coding: try agreementInput(db), linked: Set(try clusterMemberIDs(db)))
    }
}
