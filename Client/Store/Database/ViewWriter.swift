import ConcordCore
import ConcordSQLite
import GRDB

/// The row writes of the merged view (`version_row`, `retired`, `entity`), prepared once per batch and bound
/// directly (``RawStatement``). Only ``LocalStore/applyToView(_:seqs:understanding:_:)`` decides what to write, through the merge (``BatchFold``).
struct ViewWriter {
    private let retiredLookup: RawStatement
    private let changeLookup: RawStatement
    private let insertVersionRow: RawStatement
    private let deleteVersionRow: RawStatement
    private let insertRetiredRow: RawStatement
    private let summary: RawStatement

    init(_ db: Database) throws {
        retiredLookup = try RawStatement(
            db, sql: "SELECT 1 FROM retired WHERE entity = ? AND field = ? AND change = ?")
        changeLookup = try RawStatement(db, sql: "SELECT seq FROM change WHERE id = ?")
        insertVersionRow = try RawStatement(
            db, sql: "INSERT OR REPLACE INTO version_row (entity, field, change, kind, seq) VALUES (?, ?, ?, ?, ?)")
        deleteVersionRow = try RawStatement(
            db, sql: "DELETE FROM version_row WHERE entity = ? AND field = ? AND change = ?")
        insertRetiredRow = try RawStatement(
            db, sql: "INSERT OR IGNORE INTO retired (entity, field, change) VALUES (?, ?, ?)")
        summary = try RawStatement(
            db,
            sql: """
                INSERT OR REPLACE INTO entity (id, kind, doc, title, type, date, source, published, conflicts, deleted)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
    }

    /// Whether `change` is already listed in a `supersedes` of the same entity and field.
    func isRetired(entity: EntityID, field: String, change: ChangeID) throws -> Bool {
        retiredLookup.bind(entity.rawValue, at: 1)
        retiredLookup.bind(field, at: 2)
        retiredLookup.bind(change.rawValue, at: 3)
        return try retiredLookup.firstRow { _ in true } ?? false
    }

    /// Whether the log holds change `id` before local seq `seq`.
    func isInLog(_ id: ChangeID, before seq: Int64) throws -> Bool {
        changeLookup.bind(id.rawValue, at: 1)
        guard let found = try changeLookup.firstRow({ $0.integer(0) }) else { return false }
        return found < seq
    }

    /// Records that change `change` (local `seq`, already in the log) is a live version of `field`.
    func insertVersion(entity: EntityID, field: String, kind: VersionKind, change: ChangeID, seq: Int64) throws {
        let row = insertVersionRow
        row.bind(entity.rawValue, at: 1)
        row.bind(field, at: 2)
        row.bind(change.rawValue, at: 3)
        row.bind(kind.rawValue, at: 4)
        row.bind(seq, at: 5)
        try row.execute()
    }

    func deleteVersion(entity: EntityID, field: String, change: ChangeID) throws {
        deleteVersionRow.bind(entity.rawValue, at: 1)
        deleteVersionRow.bind(field, at: 2)
        deleteVersionRow.bind(change.rawValue, at: 3)
        try deleteVersionRow.execute()
    }

    func insertRetired(entity: EntityID, field: String, change: ChangeID) throws {
        insertRetiredRow.bind(entity.rawValue, at: 1)
        insertRetiredRow.bind(field, at: 2)
        insertRetiredRow.bind(change.rawValue, at: 3)
        try insertRetiredRow.execute()
    }

    /// Writes the summary row of an entity.
    func writeSummary(_ entity: EntityID, _ values: EntitySummary) throws {
        let row = summary
        row.bind(entity.rawValue, at: 1)
        row.bind(entity.kind.rawValue, at: 2)
        row.bind(values.doc, at: 3)
        row.bind(values.title, at: 4)
        row.bind(values.type, at: 5)
        row.bind(values.date, at: 6)
        row.bind(values.source, at: 7)
        row.bind(values.published, at: 8)
        row.bind(values.conflicts, at: 9)
        row.bind(values.deleted ? 1 : 0 as Int64, at: 10)
        try row.execute()
    }
}

/// The columns of an entity's summary row (table `entity`), as its snapshot shows them.
struct EntitySummary: Equatable {
    var doc, title, type, date, source, published: String?
    var conflicts: Int64
    var deleted: Bool

    /// The summary columns `SELECT`ed after the id, in the order ``init(row:from:)`` reads them.
    static let columns = "doc, title, type, date, source, published, conflicts, deleted"

    init(_ snapshot: EntitySnapshot) {
        func text(_ field: String) -> String? { snapshot.fields[field]?.value.string }
        doc = text("doc")
        title = text("title")
        type = text("type")
        date = text("date")
        source = text("source")
        published = text("published")
        conflicts = Int64(snapshot.conflictCount)
        deleted = snapshot.deleted
    }

    /// Reads ``columns`` from the current row of `statement`, starting at column `offset`.
    init(row statement: RawStatement.CurrentRow, from offset: Int32) {
        func text(_ index: Int32) -> String? { statement.isNull(offset + index) ? nil : statement.text(offset + index) }
        doc = text(0)
        title = text(1)
        type = text(2)
        date = text(3)
        source = text(4)
        published = text(5)
        conflicts = statement.integer(offset + 6)
        deleted = statement.integer(offset + 7) != 0
    }
}
