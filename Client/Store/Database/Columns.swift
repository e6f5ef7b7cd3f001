import ConcordCore
import ConcordSQLite
import GRDB

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

    /// ``change(_:offset:)`` from a ``RawStatement`` row (the columns of ``changeSelection`` from `offset` on): no
    /// `Row` and no `DatabaseValue` per column, for the folds that read the log by the million.
    static func change(_ row: RawStatement.CurrentRow, offset: Int32 = 0) throws -> Change {
        let op = row.text(offset + 3)
        guard let changeOp = ChangeOp(rawValue: op) else {
            throw StoreError.invalid("the store holds a change with an unknown op \"\(op)\"; upgrade concord")
        }
        return Change(
            id: ChangeID(stored: row.text(offset)), entity: EntityID(stored: row.text(offset + 1)),
            field: row.text(offset + 2), op: changeOp, value: row.fieldValue(offset + 4),
            supersedes: row.storedIDs(offset + 5), hlc: HLC(stored: row.text(offset + 6)),
            author: AnalystName(stored: row.text(offset + 7)), replica: ReplicaID(stored: row.text(offset + 8)),
            reason: row.isNull(offset + 9) ? nil : row.text(offset + 9), schema: Int(row.integer(offset + 10)))
    }
}
