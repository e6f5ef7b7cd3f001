import ConcordCore
import ConcordSQLite
import GRDB

extension LocalStore {
    /// Every document, by id.
    public func documents() throws -> [DocumentSummary] {
        try read { db in try Self.documentSnapshots(db).map(\.summary) }
    }

    /// Every document with its merged snapshot, by id: one load each, for the listing and the coding state alike.
    static func documentSnapshots(_ db: Database) throws -> [(summary: DocumentSummary, snapshot: EntitySnapshot)] {
        let rows = try Row.fetchAll(
            db, sql: "SELECT id, title, source, published FROM entity WHERE kind = 'document' ORDER BY id")
        return try rows.map { row in
            let id = try EntityID(row[0] as String)
            // byline, url and file (schema 3) are not view columns: read from the document's live versions (a
            // store holds a few hundred documents).
            let snapshot = try LiveRows.version.load(id, db).snapshot
            let fields = snapshot.fields
            let summary = DocumentSummary(
                id: id, title: row[1], source: row[2], published: row[3], byline: fields["byline"]?.value.string,
                url: fields["url"]?.value.string, file: fields["file"]?.value.string)
            return (summary, snapshot)
        }
    }

    /// Events by id, all of them or those `filter` keeps. With `detailed`, each summary also carries the other coded
    /// fields' displayed values and the event's open cluster disagreements (`events --json`); `--conflicts` counts an
    /// event with either kind of disagreement.
    public func events(_ filter: EventFilter = EventFilter(), detailed: Bool = false) throws -> [EventSummary] {
        if let type = filter.type, EventType(rawValue: Schema.canonicalInput(type, field: "type")) == nil {
            throw StoreError.invalid(
                "--type \(type) is not a PLOVER event type; expected one of "
                    + EventType.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if let status = filter.status {
            do throws(ValidationError) {
                try Schema.validate(
                    value: .string(Schema.canonicalInput(status, field: "status")), field: "status", of: .event)
            } catch {
                throw StoreError.invalid("--status \(status): \(error.description)")
            }
        }
        return try read { db in
            var clauses = ["kind = 'event'"]
            var arguments: StatementArguments = []
            func add(_ clause: String, _ values: [any DatabaseValueConvertible]) {
                clauses.append(clause)
                _ = arguments.append(contentsOf: StatementArguments(values))
            }
            /// A live version of `field` in `fields` whose value is `value` (any candidate of a conflict counts).
            func live(_ fields: [String], _ comparison: String, _ value: String) {
                let names = fields.map { "'\($0)'" }.joined(separator: ", ")
                add(
                    "EXISTS (SELECT 1 FROM version v WHERE v.entity = entity.id AND v.field IN (\(names)) "
                        + "AND v.value \(comparison))", [value])
            }
            if let doc = filter.doc {
                add("doc = ?", [try Self.entityID(matching: doc, kind: .document, db).rawValue])
            }
            if let type = filter.type { add("type = ?", [Schema.canonicalInput(type, field: "type")]) }
            if let author = filter.author {
                add("(SELECT author FROM event_creator c WHERE c.entity = entity.id) = ?", [author])
            }
            if let tag = filter.tag { live(["tags"], "= ?", tag) }
            if filter.incompleteOnly {
                add(
                    "(type IS NULL OR date IS NULL OR NOT EXISTS (SELECT 1 FROM version v WHERE v.entity = entity.id "
                        + "AND v.field = 'actors' AND v.kind = \(VersionKind.setAdd.sql)))", [])
            }
            if let status = filter.status { live(["status"], "= ?", Schema.canonicalInput(status, field: "status")) }
            for word in filter.words {
                // LIKE ignores ASCII case; % and _ in the word are matched literally.
                let escaped = word.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
                live(EventFilter.textFields, "LIKE ? ESCAPE '\\'", "%" + escaped + "%")
            }
            // Events of a disagreeing cluster, for --conflicts and the counts of --json.
            var disagreements: [String: Int] = [:]
            if filter.conflictsOnly || detailed {
                let clusters = try Self.clusters(db)
                for disagreement in ClusterDisagreement.list(try Self.clusterMembers(db)) {
                    for member in clusters.members[disagreement.cluster.rawValue] ?? [] {
                        disagreements[member, default: 0] += 1
                    }
                }
            }
            if filter.conflictsOnly {
                clauses.append(
                    "(conflicts > 0 OR id IN (SELECT value FROM json_each(?)))")
                _ = arguments.append(contentsOf: [RawStatement.jsonArray(disagreements.keys.sorted())])
            }
            switch filter.deleted {
            case .hidden: clauses.append("deleted = 0")
            case .only: clauses.append("deleted != 0")
            case .included: break
            }
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT id, doc, title, type, date, conflicts, deleted, "
                    + "(SELECT author FROM event_creator c WHERE c.entity = entity.id) FROM entity WHERE "
                    + clauses.joined(separator: " AND ") + " ORDER BY id",
                arguments: arguments)
            var out: [EventSummary] = []
            while let row = try rows.next() {
                var summary = EventSummary(
                    id: try EntityID(row[0] as String), doc: row[1], title: row[2], type: row[3], date: row[4],
                    conflicts: row[5], deleted: row[6], creator: row[7])
                summary.disagreements = disagreements[summary.id.rawValue] ?? 0
                out.append(summary)
            }
            guard detailed else { return out }
            let snapshots = try LiveRows.version.loadAll(out.map(\.id), db)
            for index in out.indices {
                guard let snapshot = snapshots[out[index].id]?.snapshot else { continue }
                func value(_ field: String) -> String? { snapshot.fields[field]?.value.string }
                out[index].mode = value("mode")
                out[index].country = value("country")
                out[index].location = value("location")
                out[index].confidence = value("confidence")
                out[index].actors = (snapshot.sets["actors"] ?? []).sorted()
                out[index].recipients = (snapshot.sets["recipients"] ?? []).sorted()
                out[index].context = (snapshot.sets["context"] ?? []).sorted()
            }
            return out
        }
    }

    /// The event named by a reference (full id or unique prefix) with its merged state.
    public func event(_ reference: String) throws -> EntitySnapshot {
        try read { db in
            let id = try Self.entityID(matching: reference, kind: .event, db)
            return try LiveRows.version.load(id, db).snapshot
        }
    }

    /// Every change to an entity, in merge order (hlc, replica, id).
    public func history(of id: EntityID) throws -> [HistoryEntry] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Columns.changeSelection), state,
                        COALESCE((SELECT undoes IS NOT NULL AND last >= change.seq FROM command
                                  WHERE first <= change.seq ORDER BY first DESC LIMIT 1), 0)
                    FROM change WHERE entity = ?
                    """,
                arguments: [id.rawValue])
            return try rows.map {
                HistoryEntry(
                    change: try Columns.change($0), state: LogState(rawValue: $0[11]) ?? .remote, undo: $0[12])
            }
            .sorted { Version($0.change).precedes(Version($1.change)) }
        }
    }

    /// The text of a document, if the store has it.
    public func documentText(_ id: EntityID) throws -> String? {
        try read { db in try Self.documentText(id.rawValue, db) }
    }

    /// Snapshots of every event, by id, read in one transaction (for exports).
    public func eventSnapshots() throws -> [EntitySnapshot] {
        try read { db in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM entity WHERE kind = 'event' ORDER BY id")
            return try ids.map { try LiveRows.version.load(try EntityID($0), db).snapshot }
        }
    }
}
