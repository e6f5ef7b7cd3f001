import ConcordCore
import GRDB

/// Reads a store's merged view, the rows of ``LiveEntity``, from a table or view with the columns of ``VersionRow``
/// and `entity`: the client's `version` view and the server's `live` table. The one place such rows are decoded.
public struct LiveRows: Sendable {
    /// The table or view read.
    public let table: String

    public init(table: String) { self.table = table }

    /// The live rows of `id`; empty if the store does not know the entity.
    public func load(_ id: EntityID, _ db: Database) throws -> LiveEntity {
        let statement = try RawStatement(db, sql: "SELECT \(Self.columns) FROM \(table) WHERE entity = ?")
        statement.bind(id.rawValue, at: 1)
        var entity = LiveEntity(id: id)
        try statement.forEachRow { row in Self.add(row, to: &entity) }
        return entity
    }

    /// The live rows of every entity of `ids` in one query; entities without rows are left out.
    public func loadAll(_ ids: some Collection<EntityID>, _ db: Database) throws -> [EntityID: LiveEntity] {
        guard !ids.isEmpty else { return [:] }
        let statement = try RawStatement(
            db, sql: "SELECT \(Self.columns) FROM \(table) WHERE entity IN (SELECT value FROM json_each(?))")
        statement.bind(RawStatement.jsonArray(ids.map(\.rawValue)), at: 1)
        var entities: [EntityID: LiveEntity] = [:]
        entities.reserveCapacity(ids.count)
        try forEachEntity(statement) { entities[$0.id] = $0 }
        return entities
    }

    /// Every entity with a live row, in id order.
    public func all(_ db: Database) throws -> [LiveEntity] {
        var entities: [LiveEntity] = []
        try forEachEntity(try RawStatement(db, sql: "SELECT \(Self.columns) FROM \(table) ORDER BY entity")) {
            entities.append($0)
        }
        return entities
    }

    /// Calls `body` with each entity whose rows `statement` (selecting ``columns``) returns; a table keyed by
    /// entity first returns them grouped, and the id is rebuilt once per group.
    private func forEachEntity(_ statement: RawStatement, _ body: (LiveEntity) throws -> Void) throws {
        var current: LiveEntity?
        try statement.forEachRow { row in
            let entity = row.text(0)
            if entity != current?.id.rawValue {
                if let current { try body(current) }
                current = LiveEntity(id: EntityID(stored: entity))
            }
            Self.add(row, to: &current!)
        }
        if let current { try body(current) }
    }

    /// The columns ``add(_:to:)`` reads: the entity, then a ``VersionRow``.
    private static let columns = "entity, " + VersionRow.columns

    private static func add(_ row: RawStatement.CurrentRow, to entity: inout LiveEntity) {
        let decoded = VersionRow(row, from: 1)
        // A kind this build does not know is read as a note, the most inert kind.
        entity.add(decoded.version, field: decoded.field, kind: decoded.kind?.schemaKind ?? .list)
    }
}

/// One row of a store's merged view (a live version and its change's data), decoded in this one place for every
/// reader.
public struct VersionRow {
    /// The columns a query selects, in this order, for ``init(_:from:)``.
    public static let columns = "field, kind, change, value, author, hlc, replica, context"

    public let field: String
    /// Nil for a kind this build does not know.
    public let kind: VersionKind?
    public let version: Version

    /// Decodes the current row from column `offset` on. The store wrote these rows from validated changes, so ids
    /// and clocks are rebuilt without re-validation (``ConcordCore/ChangeID/init(stored:)``).
    public init(_ row: RawStatement.CurrentRow, from offset: Int32 = 0) {
        field = row.text(offset)
        kind = VersionKind(rawValue: row.text(offset + 1))
        version = Version(
            change: ChangeID(stored: row.text(offset + 2)), value: row.fieldValue(offset + 3),
            author: AnalystName(stored: row.text(offset + 4)), hlc: HLC(stored: row.text(offset + 5)),
            replica: ReplicaID(stored: row.text(offset + 6)), context: row.storedIDs(offset + 7))
    }
}

/// The `kind` column of a store's merged view: how the field of a live row merges, one letter each (`r` a register
/// version, `s` a set add, `n` a note of a list), the one SQL spelling of ``ConcordCore/Schema/Kind``.
public enum VersionKind: String, Sendable {
    case register = "r"
    case setAdd = "s"
    case note = "n"

    public init(_ kind: Schema.Kind) {
        switch kind {
        case .register: self = .register
        case .set: self = .setAdd
        case .list: self = .note
        }
    }

    /// How a field of this kind merges.
    public var schemaKind: Schema.Kind {
        switch self {
        case .register: .register
        case .setAdd: .set
        case .note: .list
        }
    }

    /// The value as a SQL literal, for a query's text.
    public var sql: String { "'\(rawValue)'" }
}
