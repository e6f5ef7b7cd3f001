import ConcordCore
import ConcordSQLite
import Foundation
import GRDB

extension SQLiteServerStore {
    /// What the conflict report needs (see ``ReportInputs``): one pass over the log's bodies for the per-author
    /// tallies and the changes that supersede several ids, and the merged `live` view for the entities that can
    /// show a conflict, instead of refolding every change.
    public func reportInputs() async throws -> ReportInputs {
        try await pool.read { db in
            var inputs = ReportInputs()
            var tallies = AuthorTallies()
            var superseding: [Change] = []
            var coding = CodingAccumulator()
            let bodies = try Row.fetchCursor(db, sql: "SELECT body FROM change")
            while let row = try bodies.next() {
                let change = try Change.decodeFast(json: row[0] as Data)
                tallies.add(change)
                coding.add(change)
                if change.op == .set && change.supersedes.count >= 2 { superseding.append(change) }
            }
            inputs.changes = tallies.changes
            inputs.analysts = tallies.analysts

            let kinds = try Row.fetchOne(
                db,
                sql: """
                    SELECT TOTAL(substr(id, 1, 9) = 'document/'), TOTAL(substr(id, 1, 6) = 'event/') FROM entity
                    """)!
            inputs.documents = Int(kinds[0] as Double)
            inputs.events = Int(kinds[1] as Double)

            // Entities that can show a conflict: a register with two or more live versions, or a live
            // `deleted=true` version (the merge then says whether it is displayed, and what it did not see).
            var involved = Set<String>(
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT entity FROM live WHERE kind = 'register' GROUP BY entity, field HAVING COUNT(*) > 1
                        UNION SELECT entity FROM live WHERE field = 'deleted' AND value = 1
                        """))
            let byID = try db.cachedStatement(sql: "SELECT body FROM change WHERE id = ?")
            // Most of these are deletes listing the entity's live ids of other fields; one that supersedes fewer
            // than two `set` changes of its own field shows nothing, so it is left out and its entity not loaded.
            for change in superseding {
                var superseded: [Change] = []
                for id in Set(change.supersedes) where id != change.id {
                    guard let body = try Data.fetchOne(byID, arguments: [id.rawValue]) else { continue }
                    let old = try Change.decodeFast(json: body)
                    if old.op == .set && old.entity == change.entity && old.field == change.field {
                        superseded.append(old)
                    }
                }
                guard superseded.count >= 2 else { continue }
                inputs.superseding.append(.init(change: .init(change), reason: change.reason))
                involved.insert(change.entity.rawValue)
                for old in superseded { inputs.supersededSets[old.id] = .init(old) }
            }
            for text in involved {
                let entity = try Self.liveEntity(try EntityID(text), db)
                inputs.entities[entity.id] = entity
                if entity.id.kind == .event && entity.snapshot.deleted { inputs.deletedEvents += 1 }
            }
            var documents = Set<EntityID>()
            for entity in inputs.entities.values where entity.id.kind == .event {
                guard let text = entity.snapshot.fields["doc"]?.value.string, let document = try? EntityID(text),
                    documents.insert(document).inserted,
                    let title = try Self.liveEntity(document, db).snapshot.fields["title"]?.value.description
                else { continue }
                inputs.documentTitles[document] = title
            }
            var eventDocuments: [String: String] = [:]
            var links: [(String, String)] = []
            // The displayed value of a register is its greatest live version by (hlc, replica, change).
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT entity, field, value FROM live
                    WHERE field IN ('doc', '\(Schema.sameAsField)') AND substr(entity, 1, 6) = 'event/'
                    ORDER BY entity, field, hlc, replica, change
                    """)
            while let row = try rows.next() {
                let entity: String = row[0]
                let field: String = row[1]
                let value: String = row[2]
                if field == "doc" { eventDocuments[entity] = value } else { links.append((entity, value)) }
            }
            let deleted = Set(
                inputs.entities.values.filter { $0.id.kind == .event && $0.snapshot.deleted }.map(\.id.rawValue))
            inputs.coding = coding.input(documents: eventDocuments, deleted: deleted, links: links)
            // Every member of a multi-event cluster is a linked event.
            let linked = Set(links.flatMap { [$0.0, $0.1] })
            inputs.noteClusters(members: try linked.sorted().map { try Self.liveEntity(try EntityID($0), db).snapshot })
            return inputs
        }
    }

    /// The live rows of one entity, by field, as the merged view holds them.
    private static func liveEntity(_ id: EntityID, _ db: Database) throws -> ReportInputs.LiveEntity {
        var entity = ReportInputs.LiveEntity(id: id)
        // The columns ``storedVersion(_:)`` reads, then field and kind.
        let rows = try RawStatement(
            db, sql: "SELECT change, value, author, hlc, replica, context, field, kind FROM live WHERE entity = ?")
        rows.bind(id.rawValue, at: 1)
        try rows.forEachRow { row in
            let version = try storedVersion(row)
            let field = row.text(6)
            switch Schema.Kind(rawValue: row.text(7)) {
            case .register: entity.registers[field, default: []].append(version)
            case .set: entity.setAdds[field, default: []].append(version)
            case .list: entity.notes[field, default: []].append(version)
            case nil: break
            }
        }
        return entity
    }
}
