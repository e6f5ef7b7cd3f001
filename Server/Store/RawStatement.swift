import GRDB
import GRDBSQLite

/// A GRDB prepared statement bound, stepped and read through the SQLite C API: the push's per-row statements.
///
/// GRDB's `setUncheckedArguments` boxes every argument in an array of existential `DatabaseValueConvertible`s and
/// its row cursors box every column; at several statements per pushed change that was a visible share of a push.
/// Use only inside one GRDB database access (a `write` closure), on plain INSERT/DELETE/SELECT statements of the
/// server's own tables: stepping directly skips GRDB's per-statement bookkeeping (transaction observers, the
/// authorizer), none of which the server store uses. Bindings persist across executions until rebound, so
/// arguments that are the same for every row may be bound once. Failures throw GRDB's `DatabaseError` with
/// SQLite's extended result code, as GRDB's own execution does.
struct RawStatement {
    private let statement: Statement
    private let db: Database
    private var handle: SQLiteStatement { statement.sqliteStatement }

    /// Prepares (or reuses GRDB's cached) `sql`, with no row in progress and every parameter unbound.
    init(_ db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
        self.db = db
        sqlite3_reset(statement.sqliteStatement)
        sqlite3_clear_bindings(statement.sqliteStatement)
    }

    /// SQLite copies the bound bytes (`SQLITE_TRANSIENT`), so they need not outlive the call.
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    }

    /// Binds text to the 1-based parameter `index`.
    func bind(_ text: String, at index: Int32) {
        var text = text
        text.withUTF8 { utf8 in
            // A null pointer would bind NULL, not the empty string.
            if let base = utf8.baseAddress, utf8.count > 0 {
                _ = base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { chars in
                    sqlite3_bind_text(handle, index, chars, Int32(utf8.count), Self.transient)
                }
            } else {
                _ = sqlite3_bind_text(handle, index, "", 0, Self.transient)
            }
        }
    }

    /// Binds a blob to the 1-based parameter `index`.
    func bind(blob bytes: UnsafeRawBufferPointer, at index: Int32) {
        // A zero-length blob needs a non-null pointer too, or SQLite binds NULL.
        let empty: UInt8 = 0
        if let base = bytes.baseAddress, bytes.count > 0 {
            sqlite3_bind_blob(handle, index, base, Int32(bytes.count), Self.transient)
        } else {
            withUnsafePointer(to: empty) { _ = sqlite3_bind_blob(handle, index, $0, 0, Self.transient) }
        }
    }

    /// Binds an integer to the 1-based parameter `index`.
    func bind(_ value: Int64, at index: Int32) {
        sqlite3_bind_int64(handle, index, value)
    }

    /// Runs the statement to completion (rows, if any, are skipped), then resets it; bindings are kept.
    func execute() throws {
        defer { sqlite3_reset(handle) }
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_DONE: return
            case SQLITE_ROW: continue
            case let code: throw failure(code)
            }
        }
    }

    /// Calls `body` with each result row, then resets the statement; bindings are kept.
    func forEachRow(_ body: (CurrentRow) throws -> Void) throws {
        defer { sqlite3_reset(handle) }
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_DONE: return
            case SQLITE_ROW: try body(CurrentRow(handle: handle))
            case let code: throw failure(code)
            }
        }
    }

    private func failure(_ code: Int32) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
    }

    /// The current result row; valid only inside ``forEachRow(_:)``'s closure.
    struct CurrentRow {
        fileprivate let handle: SQLiteStatement

        /// Column `index` (0-based) as text; NULL reads as the empty string.
        func text(_ index: Int32) -> String {
            guard let bytes = sqlite3_column_text(handle, index) else { return "" }
            return String(
                decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, index))),
                as: UTF8.self)
        }

        /// Column `index` (0-based) as UTF-8 bytes, valid until the next step; NULL reads as empty.
        func withUTF8<T>(_ index: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
            let bytes = sqlite3_column_text(handle, index)
            return try body(
                UnsafeBufferPointer(start: bytes, count: bytes == nil ? 0 : Int(sqlite3_column_bytes(handle, index))))
        }

        /// Whether column `index` (0-based) holds an integer.
        func isInteger(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_INTEGER }

        /// Whether column `index` (0-based) holds text.
        func isText(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_TEXT }

        /// Column `index` (0-based) as an integer.
        func integer(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }
    }
}
