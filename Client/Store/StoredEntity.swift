import ConcordCore
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
        var entity = StoredEntity(id: id)
        let statement = try db.cachedStatement(
            sql: "SELECT field, kind, change, value, author, hlc, replica, context FROM version WHERE entity = ?")
        let rows = try Row.fetchCursor(statement, arguments: [id.rawValue])
        while let row = try rows.next() {
            let field: String = row[0]
            let kind: String = row[1]
            let version = try Columns.version(
                change: row[2], value: row[3], author: row[4], hlc: row[5], replica: row[6], context: row[7])
            switch kind {
            case VersionKind.register: entity.registers[field, default: []].append(version)
            case VersionKind.setAdd: entity.setAdds[field, default: []].append(version)
            default: entity.notes.append(version)
            }
        }
        return entity
    }
}

/// The `kind` column of the `version` table.
enum VersionKind {
    static let register = "r"
    static let setAdd = "s"
    static let note = "n"
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

    static func ids(_ text: String) throws -> [ChangeID] {
        if text.isEmpty { return [] }
        return try text.split(separator: ",").map { try ChangeID($0) }
    }

    static func version(
        change: String, value: DatabaseValue, author: String, hlc: String, replica: String, context: String
    ) throws -> Version {
        Version(
            change: try ChangeID(change), value: fieldValue(value), author: try AnalystName(author),
            hlc: try HLC(hlc), replica: try ReplicaID(replica), context: try ids(context))
    }

    /// Columns of `change` in the order ``change(_:)`` reads them.
    static let changeSelection =
        "id, entity, field, op, value, supersedes, hlc, author, replica, reason, schema"

    static func change(_ row: Row, offset: Int = 0) throws -> Change {
        let op: String = row[offset + 3]
        guard let changeOp = ChangeOp(rawValue: op) else {
            throw StoreError.invalid("the store holds a change with an unknown op \"\(op)\"; upgrade concord")
        }
        return Change(
            id: try ChangeID(row[offset] as String), entity: try EntityID(row[offset + 1] as String),
            field: row[offset + 2], op: changeOp, value: fieldValue(row[offset + 4] as DatabaseValue),
            supersedes: try ids(row[offset + 5] as String), hlc: try HLC(row[offset + 6] as String),
            author: try AnalystName(row[offset + 7] as String), replica: try ReplicaID(row[offset + 8] as String),
            reason: row[offset + 9], schema: row[offset + 10])
    }
}
