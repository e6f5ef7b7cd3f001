import ConcordCore
import ConcordSQLite
import GRDB

/// The persisted merge state of one entity, as loaded from the `version` table: live register versions, live set
/// adds and notes by field.
struct StoredEntity {
    let id: EntityID
    var registers: [String: [Version]] = [:]
    var setAdds: [String: [Version]] = [:]
    var notes: [Version] = []

    var snapshot: EntitySnapshot {
        EntitySnapshot(id: id, registers: registers, setAdds: setAdds, notes: notes)
    }

    var isEmpty: Bool { registers.isEmpty && setAdds.isEmpty && notes.isEmpty }

    /// Loads the live rows of `id`; empty if the store does not know the entity.
    static func load(_ id: EntityID, _ db: Database) throws -> StoredEntity {
        let statement = try RawStatement(db, sql: "SELECT \(columns) FROM version WHERE entity = ?")
        statement.bind(id.rawValue, at: 1)
        var entity = StoredEntity(id: id)
        try statement.forEachRow { row in entity.add(row: row) }
        return entity
    }

    /// Loads the live rows of every entity of `ids` in one query; entities without rows are left out.
    static func loadAll(_ ids: some Collection<EntityID>, _ db: Database) throws -> [EntityID: StoredEntity] {
        guard !ids.isEmpty else { return [:] }
        let statement = try RawStatement(
            db, sql: "SELECT \(columns) FROM version WHERE entity IN (SELECT value FROM json_each(?))")
        statement.bind(RawStatement.jsonArray(ids.map(\.rawValue)), at: 1)
        var entities: [EntityID: StoredEntity] = [:]
        entities.reserveCapacity(ids.count)
        // Rows come grouped by entity (the table's key starts with it): the id is rebuilt once per group.
        var current = ids.first!
        try statement.forEachRow { row in
            let entity = row.text(0)
            if entity != current.rawValue { current = EntityID(stored: entity) }
            entities[current, default: StoredEntity(id: current)].add(row: row)
        }
        return entities
    }

    /// The columns ``add(row:)`` reads: the entity, then a ``VersionRow``.
    private static let columns = "entity, " + VersionRow.columns

    private mutating func add(row: RawStatement.CurrentRow) {
        let decoded = VersionRow(row, from: 1)
        switch decoded.kind {
        case .register: registers[decoded.field, default: []].append(decoded.version)
        case .setAdd: setAdds[decoded.field, default: []].append(decoded.version)
        case .note, nil: notes.append(decoded.version)
        }
    }
}

/// One row of the `version` view (a live version and its change's data), decoded in this one place for every reader.
struct VersionRow {
    /// The columns a query selects, in this order, for ``init(_:from:)``.
    static let columns = "field, kind, change, value, author, hlc, replica, context"

    let field: String
    /// Nil for a kind this build does not know (such a row is read as a note, the most inert kind).
    let kind: VersionKind?
    let version: Version

    /// Decodes the current row from column `offset` on. The store wrote these rows from validated changes, so ids
    /// and clocks are rebuilt without re-validation (``ChangeID/init(stored:)``).
    init(_ row: RawStatement.CurrentRow, from offset: Int32 = 0) {
        field = row.text(offset)
        kind = VersionKind(rawValue: row.text(offset + 1))
        version = Version(
            change: ChangeID(stored: row.text(offset + 2)), value: row.fieldValue(offset + 3),
            author: AnalystName(stored: row.text(offset + 4)), hlc: HLC(stored: row.text(offset + 5)),
            replica: ReplicaID(stored: row.text(offset + 6)), context: row.storedIDs(offset + 7))
    }
}

/// The `kind` column of the `version` table: how the field of a live row merges, one letter each (`r` a register
/// version, `s` a set add, `n` a note of a list).
enum VersionKind: String {
    case register = "r"
    case setAdd = "s"
    case note = "n"

    init(_ kind: Schema.Kind) {
        switch kind {
        case .register: self = .register
        case .set: self = .setAdd
        case .list: self = .note
        }
    }

    /// The value as a SQL literal, for a query's text.
    var sql: String { "'\(rawValue)'" }
}

/// Encoding of change and version columns.
enum Columns {
    static func value(_ value: FieldValue) -> DatabaseValue {
        switch value {
        case .string(let s): return s.databaseValue
        case .bool(let b): return (b ? 1 : 0).databaseValue
        }
    }

    static func fieldValue(_ value: DatabaseValue) -> FieldValue {
        switch value.storage {
        case .int64(let i): return .bool(i != 0)
        case .string(let s): return .string(s)
        case .double(let d): return .bool(d != 0)
        case .blob(let b): return .string(String(decoding: b, as: UTF8.self))
        case .null: return .string("")
        }
    }

    static func ids(_ ids: [ChangeID]) -> String {
        ids.map(\.rawValue).joined(separator: ",")
    }

    /// Columns of `change` in the order ``change(_:)`` reads them.
    static let changeSelection =
        "id, entity, field, op, value, supersedes, hlc, author, replica, reason, schema"

    static func change(_ row: Row, offset: Int = 0) throws -> Change {
        let op: String = row[offset + 3]
        guard let changeOp = ChangeOp(rawValue: op) else {
            throw StoreError.invalid("the store holds a change with an unknown op \"\(op)\"; upgrade concord")
        }
        // The log holds changes this store validated before writing them: ids and clocks are rebuilt, not
        // re-parsed (asserted in debug builds), as the view's rows are.
        let supersedes: String = row[offset + 5]
        return Change(
            id: ChangeID(stored: row[offset] as String), entity: EntityID(stored: row[offset + 1] as String),
            field: row[offset + 2], op: changeOp, value: fieldValue(row[offset + 4] as DatabaseValue),
            supersedes: supersedes.isEmpty ? [] : supersedes.split(separator: ",").map { ChangeID(stored: String($0)) },
            hlc: HLC(stored: row[offset + 6] as String), author: AnalystName(stored: row[offset + 7] as String),
            replica: ReplicaID(stored: row[offset + 8] as String), reason: row[offset + 9], schema: row[offset + 10])
    }
}
