import ConcordCore
import GRDB
import GRDBSQLite

/// A GRDB prepared statement bound, stepped and read through the SQLite C API: the stores' per-row statements
/// (a pulled page's log rows and view rows on the client, a push's rows on the server).
///
/// GRDB's `setUncheckedArguments` boxes every argument in an array of existential `DatabaseValueConvertible`s (and
/// its `String` binding copies each string into a new C array), and its row cursors box every column; at several
/// statements per change that cost more than SQLite itself. Use only inside one GRDB database access (a `read` or
/// `write` closure), on plain INSERT/DELETE/SELECT statements of the store's own tables: stepping directly skips
/// GRDB's per-statement bookkeeping (transaction observers, the authorizer), which the stores do not use. Bindings
/// persist across executions until rebound, so arguments that are the same for every row may be bound once.
/// Failures throw GRDB's `DatabaseError` with SQLite's extended result code, as GRDB's own execution does; GRDB's
/// own uses of the same cached statement reset and rebind it, so they are unaffected. A bind that SQLite refuses
/// (a value past `SQLITE_LIMIT_LENGTH`, no memory, a parameter index out of range) is remembered and thrown by the
/// next ``execute()``, ``forEachRow(_:)`` or ``firstRow(_:)``, before the statement runs with a wrong binding.
public struct RawStatement {
    private let statement: Statement
    private let db: Database
    private let bindings = BindFailure()
    private var handle: SQLiteStatement { statement.sqliteStatement }

    /// The first bind SQLite refused since the last run, if any.
    private final class BindFailure {
        var code: Int32 = SQLITE_OK
        var index: Int32 = 0
    }

    private func checked(_ code: Int32, at index: Int32) {
        if code != SQLITE_OK && bindings.code == SQLITE_OK {
            bindings.code = code
            bindings.index = index
        }
    }

    /// Throws the bind failure remembered since the last run (and forgets it).
    private func throwBindFailure() throws {
        guard bindings.code != SQLITE_OK else { return }
        let code = bindings.code
        let index = bindings.index
        bindings.code = SQLITE_OK
        throw DatabaseError(
            resultCode: ResultCode(rawValue: code),
            message: "cannot bind parameter \(index): " + String(cString: sqlite3_errstr(code)), sql: statement.sql)
    }

    /// Prepares (or reuses GRDB's cached) `sql`, with no row in progress and every parameter unbound.
    public init(_ db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
        self.db = db
        sqlite3_reset(statement.sqliteStatement)
        sqlite3_clear_bindings(statement.sqliteStatement)
    }

    /// SQLite copies the bound bytes (`SQLITE_TRANSIENT`), so they need not outlive the call.
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    }

    /// Binds text to the 1-based parameter `index`, straight from the string's UTF-8 storage.
    public func bind(_ text: String, at index: Int32) {
        var text = text
        text.withUTF8 { utf8 in
            // A null pointer would bind NULL, not the empty string.
            if let base = utf8.baseAddress, utf8.count > 0 {
                checked(
                    base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { chars in
                        sqlite3_bind_text(handle, index, chars, Int32(utf8.count), Self.transient)
                    }, at: index)
            } else {
                checked(sqlite3_bind_text(handle, index, "", 0, Self.transient), at: index)
            }
        }
    }

    /// Binds text, or NULL for nil, to the 1-based parameter `index`.
    public func bind(_ text: String?, at index: Int32) {
        if let text { bind(text, at: index) } else { checked(sqlite3_bind_null(handle, index), at: index) }
    }

    /// Binds a field value as the stores' `value` columns keep it: TEXT for strings, INTEGER 0/1 for booleans.
    public func bind(_ value: FieldValue, at index: Int32) {
        switch value {
        case .string(let text): bind(text, at: index)
        case .bool(let flag): bind(flag ? 1 : 0 as Int64, at: index)
        }
    }

    /// A JSON array of identifier texts, for `json_each(?)`, which lets one statement take a whole batch of ids.
    /// Identifiers are validated to `[A-Za-z0-9/_.:-]` before they reach a store, so they need no escaping.
    public static func jsonArray(_ items: some Sequence<String>) -> String {
        var json = "["
        json.reserveCapacity(items.underestimatedCount * 48 + 2)
        for (index, item) in items.enumerated() {
            json += index == 0 ? "\"" : ",\""
            json += item
            json += "\""
        }
        return json + "]"
    }

    /// Binds a blob to the 1-based parameter `index`.
    public func bind(blob bytes: UnsafeRawBufferPointer, at index: Int32) {
        // A zero-length blob needs a non-null pointer too, or SQLite binds NULL.
        let empty: UInt8 = 0
        if let base = bytes.baseAddress, bytes.count > 0 {
            checked(sqlite3_bind_blob(handle, index, base, Int32(bytes.count), Self.transient), at: index)
        } else {
            withUnsafePointer(to: empty) { checked(sqlite3_bind_blob(handle, index, $0, 0, Self.transient), at: index) }
        }
    }

    /// Binds an integer to the 1-based parameter `index`.
    public func bind(_ value: Int64, at index: Int32) {
        checked(sqlite3_bind_int64(handle, index, value), at: index)
    }

    /// Binds an integer, or NULL for nil, to the 1-based parameter `index`.
    public func bind(_ value: Int64?, at index: Int32) {
        if let value { bind(value, at: index) } else { checked(sqlite3_bind_null(handle, index), at: index) }
    }

    /// Runs the statement to completion (rows, if any, are skipped), then resets it; bindings are kept.
    public func execute() throws {
        try throwBindFailure()
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
    public func forEachRow(_ body: (CurrentRow) throws -> Void) throws {
        try forEachRowWhile { row in
            try body(row)
            return true
        }
    }

    /// Calls `body` with each result row until it returns false (the rows after it are not computed), then resets
    /// the statement; bindings are kept.
    public func forEachRowWhile(_ body: (CurrentRow) throws -> Bool) throws {
        try throwBindFailure()
        defer { sqlite3_reset(handle) }
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_DONE: return
            case SQLITE_ROW: if try !body(CurrentRow(handle: handle)) { return }
            case let code: throw failure(code)
            }
        }
    }

    /// Reads the first result row with `body` (nil if there is none), then resets the statement.
    public func firstRow<T>(_ body: (CurrentRow) throws -> T) throws -> T? {
        try throwBindFailure()
        defer { sqlite3_reset(handle) }
        switch sqlite3_step(handle) {
        case SQLITE_DONE: return nil
        case SQLITE_ROW: return try body(CurrentRow(handle: handle))
        case let code: throw failure(code)
        }
    }

    private func failure(_ code: Int32) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
    }

    /// The current result row; valid only inside ``forEachRow(_:)``'s closure.
    public struct CurrentRow {
        fileprivate let handle: SQLiteStatement

        /// Column `index` (0-based) as text; NULL reads as the empty string.
        public func text(_ index: Int32) -> String { String(decoding: bytes(index), as: UTF8.self) }

        /// Column `index` (0-based) as UTF-8 bytes, valid until the next step; NULL reads as empty.
        public func withUTF8<T>(_ index: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
            try body(bytes(index))
        }

        /// Whether column `index` (0-based) holds an integer.
        public func isInteger(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_INTEGER }

        /// Whether column `index` (0-based) holds text.
        public func isText(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_TEXT }

        /// Column `index` (0-based) as UTF-8 bytes, valid until the next step; NULL reads as empty.
        private func bytes(_ index: Int32) -> UnsafeBufferPointer<UInt8> {
            let bytes = sqlite3_column_text(handle, index)  // before _bytes, as SQLite asks
            return UnsafeBufferPointer(start: bytes, count: bytes == nil ? 0 : Int(sqlite3_column_bytes(handle, index)))
        }

        /// Column `index` (0-based) as the change ids a store joined with commas from validated changes (a
        /// version's context), rebuilt without parsing them again (``ConcordCore/ChangeID/init(stored:)``).
        public func storedIDs(_ index: Int32) -> [ChangeID] {
            withUTF8(index) { bytes in
                bytes.split(separator: UInt8(ascii: ",")).map {
                    ChangeID(stored: String(decoding: UnsafeBufferPointer(rebasing: $0), as: UTF8.self))
                }
            }
        }

        /// Whether column `index` (0-based) is NULL.
        public func isNull(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }

        /// A `value` column (see ``RawStatement/bind(_:at:)-(FieldValue,_)``): INTEGER is a boolean, anything
        /// else text.
        public func fieldValue(_ index: Int32) -> FieldValue {
            switch sqlite3_column_type(handle, index) {
            case SQLITE_INTEGER: return .bool(integer(index) != 0)
            case SQLITE_FLOAT: return .bool(sqlite3_column_double(handle, index) != 0)
            case SQLITE_NULL: return .string("")
            default: return .string(text(index))
            }
        }

        /// Column `index` (0-based) as an integer.
        public func integer(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }
    }
}
