import ConcordCore
import ConcordSQLite
import GRDB

extension LocalStore {
    /// What the conflict report needs, read from the tables kept for it (``ReportState``), the merged view and the
    /// few changes that supersede several of their field's, instead of refolding every change (see ``ReportInputs``).
    public func reportInputs() throws -> ReportInputs {
        try read { db in try Self.reportInputs(db) }
    }

    static func reportInputs(_ db: Database) throws -> ReportInputs {
        var inputs = ReportInputs()
        // Per-author tallies and entity counts, kept up to date as changes are applied (ReportState).
        let authors = try RawStatement(db, sql: "SELECT author, changes, events, first, last FROM report_author")
        try authors.forEachRow { row in
            inputs.analysts.append(
                .init(
                    name: try AnalystName(row.text(0)), changes: Int(row.integer(1)),
                    eventsTouched: Int(row.integer(2)),
                    first: try HLC(row.text(3)), last: try HLC(row.text(4))))
        }
        inputs.changes = inputs.analysts.reduce(0) { $0 + $1.changes }
        for row in try Row.fetchAll(db, sql: "SELECT kind, entities, deleted FROM report_entity_count") {
            let kind: String = row[0]
            switch EntityID.Kind(rawValue: kind) {
            case .document: inputs.documents = row[1]
            case .event:
                inputs.events = row[1]
                inputs.deletedEvents = row[2]
            case nil:
                throw StoreError.invalid("the store holds an entity of unknown kind \"\(kind)\"; upgrade concord")
            }
        }

        // The entities that can show a conflict: a register with two or more live versions (a conflict or an
        // agreement), or a delete/edit conflict (the summary counts it among the entity's conflicts).
        var involved = Set(try String.fetchAll(db, sql: "SELECT id FROM report_entity"))
        involved.formUnion(try String.fetchAll(db, sql: "SELECT id FROM entity WHERE conflicts > 0 AND deleted != 0"))

        // The set changes that may supersede two or more set changes of their own entity and field (a superset,
        // kept as changes are applied); each is checked against its field's set changes, and only those that do
        // are kept, with their entities loaded.
        let supersedingSeqs = try Int64.fetchAll(db, sql: "SELECT seq FROM report_superseding")
        let bySeq = try db.cachedStatement(sql: "SELECT \(Columns.changeSelection) FROM change WHERE seq = ?")
        let sameField = try db.cachedStatement(
            sql: """
                SELECT \(Columns.changeSelection) FROM change WHERE entity = ? AND field = ? AND op = 'set' AND seq != ?
                """)
        for seq in supersedingSeqs {
            guard let row = try Row.fetchOne(bySeq, arguments: [seq]) else { continue }
            let change = try Columns.change(row)
            let listed = Set(change.supersedes.map(\.rawValue))
            var superseded: [Change] = []
            let rows = try Row.fetchCursor(
                sameField, arguments: [change.entity.rawValue, change.field, seq])
            while let row = try rows.next() {
                if listed.contains(row[0] as String) { superseded.append(try Columns.change(row)) }
            }
            guard superseded.count >= 2 else { continue }
            inputs.superseding.append(.init(change: .init(change), reason: change.reason))
            involved.insert(change.entity.rawValue)
            for old in superseded { inputs.supersededSets[old.id] = .init(old) }
        }

        for text in involved {
            let entity = try liveEntity(try EntityID(text), db)
            inputs.entities[entity.id] = entity
        }
        var documents = Set<EntityID>()
        for entity in inputs.entities.values where entity.id.kind == .event {
            guard let text = entity.snapshot.fields["doc"]?.value.string, let document = try? EntityID(text),
                documents.insert(document).inserted,
                let title = try liveEntity(document, db).snapshot.fields["title"]?.value.description
            else { continue }
            inputs.documentTitles[document] = title
        }
        inputs.coding = try agreementInput(db)
        inputs.noteClusters(members: try clusterMembers(db))
        return inputs
    }

    /// The live rows of one entity from the view, by field.
    private static func liveEntity(_ id: EntityID, _ db: Database) throws -> ReportInputs.LiveEntity {
        var entity = ReportInputs.LiveEntity(id: id)
        let rows = try RawStatement(db, sql: "SELECT \(VersionRow.columns) FROM version WHERE entity = ?")
        rows.bind(id.rawValue, at: 1)
        try rows.forEachRow { row in
            let decoded = VersionRow(row)
            switch decoded.kind {
            case .register: entity.registers[decoded.field, default: []].append(decoded.version)
            case .setAdd: entity.setAdds[decoded.field, default: []].append(decoded.version)
            case .note, nil: entity.notes[decoded.field, default: []].append(decoded.version)
            }
        }
        return entity
    }
}
