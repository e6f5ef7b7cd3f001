import ConcordCore
import ConcordSQLite
import GRDB

extension LocalStore {
    /// What the conflict report needs, read from the tables kept for it (``ReportState``), the merged view and the
    /// few changes that supersede several of their field's, instead of refolding every change (see ``ReportInputs``).
    public func reportInputs() throws -> ReportInputs {
        try read { db in try ReportInputs(reading: LocalReportSource(db: db)) }
    }
}

/// The client store's answers to the report's reads (``ReportSource``), from the tables ``ReportState`` keeps up to
/// date as changes are applied and from the merged view.
struct LocalReportSource: ReportSource {
    typealias Failure = any Error

    let db: Database

    func totals() throws -> ReportInputs.Totals {
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
        return totals
    }

    func conflictCandidates() throws -> Set<EntityID> {
        // Registers with two or more live versions (kept in `report_entity`), and delete/edit conflicts.
        let ids = try String.fetchAll(
            db,
            sql: """
                SELECT id FROM report_entity UNION SELECT id FROM entity WHERE conflicts > 0 AND deleted != 0
                """)
        return Set(ids.lazy.map { EntityID(stored: $0) })
    }

    func supersedingCandidates() throws -> [ReportInputs.SupersedingChange] {
        // A superset, kept as changes are applied (``ReportState``).
        let statement = try db.cachedStatement(
            sql: """
                SELECT \(Columns.changeSelection) FROM change
                WHERE seq IN (SELECT seq FROM report_superseding) ORDER BY seq
                """)
        return try Row.fetchAll(statement).map { row in
            let change = try Columns.change(row)
            return .init(change: .init(change), reason: change.reason)
        }
    }

    func setChanges(listedBy change: ReportInputs.SetChange) throws -> [ReportInputs.SetChange] {
        let listed = Set(change.version.context.map(\.rawValue))
        let sameField = try db.cachedStatement(
            sql: """
                SELECT \(Columns.changeSelection) FROM change WHERE entity = ? AND field = ? AND op = 'set' AND id != ?
                """)
        var superseded: [ReportInputs.SetChange] = []
        let rows = try Row.fetchCursor(
            sameField, arguments: [change.entity.rawValue, change.field, change.version.change.rawValue])
        while let row = try rows.next() {
            if listed.contains(row[0] as String) { superseded.append(.init(try Columns.change(row))) }
        }
        return superseded
    }

    func liveEntity(_ id: EntityID) throws -> LiveEntity { try LiveRows.version.load(id, db) }

    func agreementInput() throws -> AgreementInput { try LocalStore.agreementInput(db) }

    func clusterMembers() throws -> [EntitySnapshot] { try LocalStore.clusterMembers(db) }
}
