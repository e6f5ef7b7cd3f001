import ConcordCore
import GRDB
import GRDBSQLite

/// A cached GRDB statement driven through SQLite's C API, for the store's bulk row reads and writes.
///
/// GRDB binds arguments from a `StatementArguments` (an array of existential values, converted one by one to
/// `DatabaseValue`) and reads columns through `Row`; on the apply path, which writes several rows and reads a few
/// per change, that bookkeeping cost more than SQLite itself. This wrapper binds and reads plain `String`s and
/// integers directly. It only ever runs inside a GRDB transaction on the connection that owns the statement, and
/// every use binds every parameter, so GRDB's own uses of the same cached statement (which reset and rebind) are
/// unaffected.
struct RawStatement {
    private let statement: Statement
    private let handle: SQLiteStatement
    private let connection: SQLiteConnection?

    init(_ db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
    }

    /// Binds a text parameter (1-based), straight from the string's UTF-8 storage (GRDB's `String` binding
    /// copies it into a new C-string array first).
    func bind(_ text: String, at index: Int32) {
        var text = text
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                _ = sqlite3_bind_text(handle, index, "", 0, sqliteTransient)
                return
            }
            _ = sqlite3_bind_text(
                handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(bytes.count),
                sqliteTransient)
        }
    }

    /// Binds an optional text parameter (1-based); nil binds NULL.
    func bind(_ text: String?, at index: Int32) {
        if let text { bind(text, at: index) } else { sqlite3_bind_null(handle, index) }
    }

    /// Binds an integer parameter (1-based).
    func bind(_ value: Int64, at index: Int32) { sqlite3_bind_int64(handle, index, value) }

    /// Binds an optional integer parameter (1-based); nil binds NULL.
    func bind(_ value: Int64?, at index: Int32) {
        if let value { bind(value, at: index) } else { sqlite3_bind_null(handle, index) }
    }

    /// Binds a field value as the `value` columns store it: TEXT for strings, INTEGER 0/1 for booleans.
    func bind(_ value: FieldValue, at index: Int32) {
        switch value {
        case .string(let text): bind(text, at: index)
        case .bool(let flag): bind(flag ? 1 : 0 as Int64, at: index)
        }
    }

    /// Runs a statement that returns no rows, then resets it.
    func run() throws {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw error(code) }
    }

    /// Steps a query: true while there is a row to read. Call ``reset()`` when done with the rows.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw error(code) }
        return false
    }

    /// Abandons the rows of a query early.
    func reset() { sqlite3_reset(handle) }

    /// The text of column `index` (0-based) of the current row ("" for NULL).
    func text(_ index: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// The bytes of text column `index` (0-based) of the current row, valid until the next step or reset.
    func bytes(_ index: Int32) -> UnsafeBufferPointer<UInt8> {
        let start = sqlite3_column_text(handle, index)  // before _bytes, as SQLite asks
        return UnsafeBufferPointer(start: start, count: Int(sqlite3_column_bytes(handle, index)))
    }

    /// Whether column `index` (0-based) of the current row is NULL.
    func isNull(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }

    /// The integer of column `index` (0-based) of the current row.
    func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

    /// Column `index` of a `value` column: INTEGER is a boolean, anything else text (see ``Columns/fieldValue(_:)``).
    func fieldValue(_ index: Int32) -> FieldValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .bool(int64(index) != 0)
        case SQLITE_FLOAT: return .bool(sqlite3_column_double(handle, index) != 0)
        case SQLITE_NULL: return .string("")
        default: return .string(text(index))
        }
    }

    private func error(_ code: Int32) -> DatabaseError {
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }
}

/// SQLite's `SQLITE_TRANSIENT`: SQLite copies the bound bytes before the call returns.
private let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
