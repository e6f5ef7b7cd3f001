import ConcordCore
import ConcordSQLite
import GRDB

extension LocalStore {
    /// What the conflict report needs, read from the log's few columns and the merged view instead of refolding
    /// every change (see ``ReportInputs``).
    public func reportInputs() throws -> ReportInputs {
        try read { db in try Self.reportInputs(db) }
    }

    static func reportInputs(_ db: Database) throws -> ReportInputs {
        var inputs = ReportInputs()
        try tallyLog(db, into: &inputs)

        // Entity counts from the summary rows the view keeps for every entity with a change.
        let counts = try Row.fetchAll(
            db, sql: "SELECT kind, COUNT(*), TOTAL(deleted != 0) FROM entity GROUP BY kind")
        for row in counts {
            let kind: String = row[0]
            switch EntityID.Kind(rawValue: kind) {
            case .document: inputs.documents = row[1]
            case .event:
                inputs.events = row[1]
                inputs.deletedEvents = Int(row[2] as Double)
            case nil:
                throw StoreError.invalid("the store holds an entity of unknown kind \"\(kind)\"; upgrade concord")
            }
        }

        // The entities that can show a conflict: a register with two or more live versions (a conflict or an
        // agreement), or a delete/edit conflict (the summary counts it among the entity's conflicts).
        var involved = Set<String>()
        let registers = try String.fetchCursor(
            db,
            sql: """
                SELECT entity FROM version WHERE kind = '\(VersionKind.register)'
                GROUP BY entity, field HAVING COUNT(*) > 1
                """)
        while let entity = try registers.next() { involved.insert(entity) }
        involved.formUnion(try String.fetchAll(db, sql: "SELECT id FROM entity WHERE conflicts > 0 AND deleted != 0"))

        // The set changes that supersede two or more set changes of their own entity and field, and those. Most
        // changes superseding several ids are deletes listing the entity's live ids of other fields: they show
        // nothing, so SQLite picks the others out (comparing ids as text, through the entity index) and only they
        // are decoded, and only their entities loaded.
        let supersedingSeqs = try Int64.fetchAll(
            db,
            sql: """
                WITH s AS (
                    SELECT seq, entity, field, ',' || supersedes || ',' AS listed FROM change
                    WHERE op = 'set' AND instr(supersedes, ',') > 0)
                SELECT s.seq FROM s JOIN change c
                    ON c.entity = s.entity AND c.field = s.field AND c.op = 'set' AND c.seq != s.seq
                    AND instr(s.listed, ',' || c.id || ',') > 0
                GROUP BY s.seq HAVING COUNT(*) >= 2
                """)
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
        return inputs
    }

    /// One pass over three columns of the log: per-author tallies. The columns are compared as bytes in SQLite's
    /// buffers; a `String` is made only when an author, an event or a first/last clock changes.
    private static func tallyLog(_ db: Database, into inputs: inout ReportInputs) throws {
        struct Tally {
            var name: String
            var changes = 0
            var events = Set<String>()
            var lastEvent: [UInt8] = []
            /// Clock texts: the store writes them canonically (no leading zeros, 4-digit counter), so comparing
            /// (length, bytes) orders them as clocks without parsing every row.
            var first: [UInt8]
            var last: [UInt8]
        }
        func precedes(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Bool {
            a.count != b.count ? a.count < b.count : a.lexicographicallyPrecedes(b)
        }
        func follows(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Bool {
            a.count != b.count ? a.count > b.count : b.lexicographicallyPrecedes(a)
        }
        let eventPrefix = Array("event/".utf8)
        var tallies: [Tally] = []
        var index: [String: Int] = [:]
        let rows = try RawStatement(db, sql: "SELECT author, entity, hlc FROM change")
        // Consecutive rows are often by one author: the last one's position saves a dictionary lookup.
        var lastAuthor: [UInt8] = []
        var current = -1
        try rows.forEachRow { row in
            let author = row.bytes(0)
            if current < 0 || !author.elementsEqual(lastAuthor) {
                lastAuthor = Array(author)
                let name = String(decoding: author, as: UTF8.self)
                if let known = index[name] {
                    current = known
                } else {
                    current = tallies.count
                    index[name] = current
                    let hlc = Array(row.bytes(2))
                    tallies.append(Tally(name: name, first: hlc, last: hlc))
                }
            }
            tallies[current].changes += 1
            let entity = row.bytes(1)
            if entity.starts(with: eventPrefix) && !entity.elementsEqual(tallies[current].lastEvent) {
                tallies[current].lastEvent = Array(entity)
                tallies[current].events.insert(String(decoding: entity, as: UTF8.self))
            }
            let hlc = row.bytes(2)
            if precedes(hlc, tallies[current].first) { tallies[current].first = Array(hlc) }
            if follows(hlc, tallies[current].last) { tallies[current].last = Array(hlc) }
        }
        inputs.changes = tallies.reduce(0) { $0 + $1.changes }
        inputs.analysts = try tallies.map { tally in
            .init(
                name: try AnalystName(tally.name), changes: tally.changes, eventsTouched: tally.events.count,
                first: try HLC(String(decoding: tally.first, as: UTF8.self)),
                last: try HLC(String(decoding: tally.last, as: UTF8.self)))
        }
    }

    /// The live rows of one entity from the view, by field.
    private static func liveEntity(_ id: EntityID, _ db: Database) throws -> ReportInputs.LiveEntity {
        var entity = ReportInputs.LiveEntity(id: id)
        let rows = try RawStatement(
            db, sql: "SELECT field, kind, change, value, author, hlc, replica, context FROM version WHERE entity = ?")
        rows.bind(id.rawValue, at: 1)
        try rows.forEachRow { row in
            let field = row.text(0)
            // The store wrote these rows from validated changes: ids and clocks are rebuilt, not re-parsed.
            let version = Version(
                change: ChangeID(stored: row.text(2)), value: row.fieldValue(3),
                author: AnalystName(stored: row.text(4)),
                hlc: HLC(stored: row.text(5)), replica: ReplicaID(stored: row.text(6)),
                // Only a delete's context decides anything (delete/edit conflicts): other ids are not parsed.
                context: field == EntitySnapshot.deletedField ? row.storedIDs(7) : [])
            switch row.text(1) {
            case VersionKind.register: entity.registers[field, default: []].append(version)
            case VersionKind.setAdd: entity.setAdds[field, default: []].append(version)
            default: entity.notes[field, default: []].append(version)
            }
        }
        return entity
    }
}
