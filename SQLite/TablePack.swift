import Foundation
import GRDB
import GRDBSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#else
    import Darwin
#endif

/// Every row of every table of a SQLite database in one compact file, and back: the store snapshot's encoding
/// (protocol.md §14.3). A copy of the database file itself is ~10 times larger, because its text (UUIDs, clocks,
/// entity ids) is repeated in rows and indexes; this file holds each row's values once, column by column, with the
/// repeats named by reference, and leaves indexes to be rebuilt by whoever unpacks it.
///
/// The file is one zlib stream: the magic `CNCDPACK2`, the number of tables, then per table (in name order) its name
/// and its column names; then the tables' rows in blocks of up to ``blockRows``, each a table's number (1 for the
/// first), its row count, its byte length and its values column after column; then a 0 and the number of rows in all.
/// A table's blocks come in its storage order, its end marked by its number and a 0. The tables' blocks interleave:
/// the next block is of the table with the smallest share of its rows written, the largest table's share counted at
/// 1/``lead``. So a reader that fills some tables on one thread and the others on another keeps both busy from the
/// start, and the largest table is whole before the others. A value is a tag byte and its payload:
///
/// | tag | value | payload |
/// |---|---|---|
/// | 0 | NULL | |
/// | 1 | integer | zigzag varint of the difference from the column's previous integer |
/// | 2 | real | 8 bytes, little-endian IEEE 754 |
/// | 3 | new short text (≤ 64 bytes) | varint length, bytes; it joins the dictionary |
/// | 4 | short text seen before | varint: how many dictionary entries back (0 = the newest) |
/// | 5 | long text | varint length, bytes |
/// | 6 | clock text `MILLIS:CCCC` | zigzag varint of the difference from the column's previous clock, varint counter |
/// | 7 | ids joined by `,` or ` ` | the separator byte, varint count, then each part as a tag 3, 4 or 6 value |
/// | 8 | blob | varint length, bytes |
///
/// Every value keeps its SQLite storage class, so unpacking gives the same rows, value for value. Rows are written
/// in rowid or primary-key order, the order an index-free insert is fastest in.
public enum TablePack {
    package static let magic = Array("CNCDPACK2".utf8)
    /// Rows per block: enough for a column's values to compress together, few enough to keep memory small.
    static let blockRows = 4096
    /// How much faster than the others the largest table's blocks are written. A reader filling the largest table
    /// on one thread and the rest on another then has the largest one in early enough to make its indexes while the
    /// other thread still inserts (at 1M changes: the log's inserts end at ~2/3 of the file, its indexes take ~0.9 s).
    static let lead = 1.5
    /// Texts up to this many bytes go in the dictionary (ids, names, labels); longer ones are written out.
    static let shortText = 64
    /// A block also ends once its values hold this many bytes (documents' texts are up to 4 MiB each).
    static let blockBytes = 8 << 20
    /// What a reader accepts of one block: its encoded bytes, and its values once decoded. A row holds at most one
    /// document text (4 MiB) and its change's other fields, so a block a writer made stays well inside both.
    static let maxBlockBytes = 64 << 20
    static let maxDecodedBytes = 256 << 20

    /// A table's name and the columns packed, in `PRAGMA table_info` order (with `rowid` first for a rowid table
    /// whose rowid no column names).
    struct TableShape: Equatable {
        var name: String
        var columns: [String]
        /// The columns whose order is the table's storage order.
        var order: [String]
    }

    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// The tables of `db` a pack holds (all but SQLite's and GRDB's own), in name order.
    static func shapes(_ db: Database, skipping skipped: Set<String>) throws -> [TableShape] {
        let names = try String.fetchAll(
            db,
            sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        var shapes: [TableShape] = []
        for name in names where !skipped.contains(name) {
            let columns = try Row.fetchAll(db, sql: "PRAGMA main.table_info(\(quoted(name)))")
            let withoutRowid =
                try Row.fetchOne(db, sql: "PRAGMA main.table_list(\(quoted(name)))").map { $0["wr"] as Bool } ?? false
            let keys = columns.filter { ($0["pk"] as Int) > 0 }.sorted { ($0["pk"] as Int) < ($1["pk"] as Int) }
            var shape = TableShape(name: name, columns: columns.map { $0["name"] }, order: [])
            if withoutRowid {
                shape.order = keys.map { $0["name"] }
            } else if keys.count == 1, (keys[0]["type"] as String).uppercased() == "INTEGER" {
                shape.order = [keys[0]["name"]]
            } else {
                shape.columns.insert("rowid", at: 0)
                shape.order = ["rowid"]
            }
            shapes.append(shape)
        }
        return shapes
    }

    // MARK: Writing

    /// Writes every row of `db`'s tables (but `skipping`) to the new file `path` (mode 0600). `select` replaces a
    /// column's value by an SQL expression (table → column → expression), `emptied` tables are written with no
    /// rows. Returns the rows written. Run inside one read transaction, so the file is one state of the database.
    public static func write(
        _ db: Database, to path: String, skipping: Set<String> = [], select: [String: [String: String]] = [:],
        emptied: Set<String> = [], level: Int32 = 6
    ) throws -> Int64 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PackError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let out = try DeflateWriter(fd: fd, path: path, level: level)
        let shapes = try shapes(db, skipping: skipping)
        var header = ByteWriter()
        header.bytes = magic
        header.varint(UInt64(shapes.count))
        for shape in shapes {
            header.string(shape.name)
            header.varint(UInt64(shape.columns.count))
            for column in shape.columns { header.string(column) }
        }
        try out.write(header.bytes)
        // One cursor per table, all open at once in this read transaction, each read a block at a time.
        var lanes: [Lane] = []
        for (index, shape) in shapes.enumerated() where !emptied.contains(shape.name) {
            let expressions = shape.columns.map { select[shape.name]?[$0] ?? quoted($0) }
            let sql =
                "SELECT \(expressions.joined(separator: ", ")) FROM \(quoted(shape.name)) ORDER BY "
                + shape.order.map(quoted).joined(separator: ", ")
            let rows = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM \(quoted(shape.name))") ?? 0
            guard rows > 0 else { continue }
            lanes.append(
                Lane(
                    table: index, statement: try db.makeStatement(sql: sql), sql: sql, rows: rows,
                    columns: shape.columns.count))
        }
        if let largest = lanes.indices.max(by: { lanes[$0].rows < lanes[$1].rows }) { lanes[largest].lead = lead }
        var encoder = ValueEncoder()
        var total: Int64 = 0
        // A table's end is its number and a 0: at once for the tables with no rows.
        func end(_ table: Int) throws {
            var mark = ByteWriter()
            mark.varint(UInt64(table + 1))
            mark.varint(0)
            try out.write(mark.bytes)
        }
        for table in shapes.indices where !lanes.contains(where: { $0.table == table }) { try end(table) }
        // The table with the smallest share of its rows written goes next.
        while let next = lanes.indices.filter({ !lanes[$0].done }).min(by: { lanes[$0].share < lanes[$1].share }) {
            var block = Block(columns: lanes[next].columns)
            try lanes[next].read(into: &block, db: db)
            guard block.rows > 0 else {
                try end(lanes[next].table)
                continue
            }
            encoder.states.use(table: lanes[next].table, columns: block.columns)
            let body = encoder.encode(block)
            var head = ByteWriter()
            head.varint(UInt64(lanes[next].table + 1))
            head.varint(UInt64(block.rows))
            head.varint(UInt64(body.count))
            try out.write(head.bytes)
            try out.write(body)
            total += Int64(block.rows)
            if lanes[next].done { try end(lanes[next].table) }
        }
        var trailer = ByteWriter()
        trailer.varint(0)
        trailer.varint(UInt64(total))
        try out.write(trailer.bytes)
        try out.finish()
        return total
    }

    /// A table's rows being written: its cursor and how far it has got.
    private struct Lane {
        let table: Int
        let statement: Statement
        let sql: String
        /// The table's rows when the transaction began, for the pace only.
        let rows: Int64
        let columns: Int
        var written: Int64 = 0
        var done = false

        /// The largest table goes ahead of the others (``TablePack/lead``).
        var lead = 1.0
        var share: Double { Double(written) / Double(rows) / lead }

        /// Reads the table's next rows into `block`, up to ``TablePack/blockRows`` rows or ``TablePack/blockBytes``.
        mutating func read(into block: inout Block, db: Database) throws {
            let handle = statement.sqliteStatement
            while block.rows < blockRows && block.bytes.count < blockBytes {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE {
                    sqlite3_reset(handle)
                    done = true
                    break
                }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: sql)
                }
                for column in 0..<Int32(columns) { block.append(handle, column) }
                block.rows += 1
            }
            written += Int64(block.rows)
        }
    }

    // MARK: Reading

    /// Tables a second connection fills while the others are read into the main one
    /// (``read(from:into:skipping:growing:aside:)``).
    public struct Aside {
        /// The tables filled through ``writer`` (but one whose rowid no column names: the copy would renumber it).
        public var tables: Set<String>
        /// A database with the same tables (names, columns, constraints, partial indexes), empty, that nothing
        /// else writes meanwhile; its full indexes are dropped.
        public var writer: any DatabaseWriter
        /// The name it is attached under to the connection the pack is read into.
        public var attachedAs: String

        public init(tables: Set<String>, writer: any DatabaseWriter, attachedAs: String) {
            self.tables = tables
            self.writer = writer
            self.attachedAs = attachedAs
        }
    }

    /// Inserts the rows of the pack at `path` into `db`, whose tables must be the pack's (same names, same columns)
    /// and empty: the schema of the store the pack was made from. Its full indexes are dropped first and made again
    /// at the end, which is several times faster than keeping them up to date row by row; partial ones (`WHERE`),
    /// which hold few rows, are kept. Returns the rows inserted; throws ``PackError`` saying what is wrong with a file
    /// that is not such a pack. Run inside one transaction.
    ///
    /// The file is read and decoded on a thread of its own, a few blocks ahead of the inserts.
    ///
    /// With `aside` (attached to `db` before its transaction began, which must be deferred: an immediate one locks
    /// the aside file too), its tables are filled at the same time on a
    /// third thread, through their own connection into their own file, and copied into `db` at the end by SQLite's
    /// transfer optimisation: `INSERT INTO t SELECT * FROM aside.t` into an empty table of the same shape copies the
    /// records without decoding them, about twice as fast as inserting them. The pack's interleaved blocks keep both
    /// inserting threads busy from the start.
    ///
    /// A `growing` file (a download) is read as it grows, so the rows go in while the rest is still on its way.
    public static func read(
        from path: String, into db: Database, skipping: Set<String> = [], growing: (any GrowingFile)? = nil,
        aside: Aside? = nil
    ) throws -> Int64 {
        let expected = try shapes(db, skipping: skipping)
        // Blocks decoded ahead of the inserts: enough to keep the threads busy, each ~1 MB.
        let main = Handoff<Item>(capacity: 4)
        // A table whose rowid no column names would get new rowids in the copy: it is filled here.
        let asideTables = Set(
            expected.filter { aside?.tables.contains($0.name) == true && $0.columns.first != "rowid" }.map(\.name))
        let asideThread = aside.map { AsideThread($0) }
        // However this ends, the other threads stop and the aside connection is no longer used when it returns.
        defer {
            main.cancel()
            asideThread?.cancelAndWait()
        }
        let owners = expected.map { shape in
            asideThread.flatMap { asideTables.contains(shape.name) ? $0.handoff : nil } ?? main
        }
        Thread.detachNewThread { decode(path, growing: growing, expecting: expected, into: owners) }
        asideThread?.start()
        let indexes = try fullIndexes(db)
        for index in indexes { try db.execute(sql: "DROP INDEX \(quoted(index.name))") }
        // The indexes of this thread's own tables are made as soon as their rows are in, while the aside thread may
        // still be inserting; the aside tables' after their copy, which is fastest into tables without them.
        var made = false
        func makeOwnIndexes() throws {
            guard !made else { return }
            made = true
            for index in indexes where !asideTables.contains(index.table) { try db.execute(sql: index.sql) }
        }
        let total: Int64
        do {
            total = try insert(main, into: db, whenTablesEnd: makeOwnIndexes)
        } catch {
            // The aside thread's failure stopped the decoder, and so this thread: it is the cause.
            if let failure = asideThread?.failure { throw failure }
            throw error
        }
        try makeOwnIndexes()
        if let asideThread {
            _ = try asideThread.wait()
            for shape in expected where asideTables.contains(shape.name) {
                try db.execute(
                    sql: "INSERT INTO main.\(quoted(shape.name)) SELECT * FROM "
                        + "\(quoted(asideThread.aside.attachedAs)).\(quoted(shape.name))")
            }
            for index in indexes where asideTables.contains(index.table) { try db.execute(sql: index.sql) }
        }
        return total
    }

    /// The indexes of `db` with no `WHERE`, but the ones SQLite makes for constraints, by name.
    private static func fullIndexes(_ db: Database) throws -> [(name: String, table: String, sql: String)] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT name, tbl_name, sql FROM sqlite_master
                WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE '% WHERE %' ORDER BY name
                """
        ).map { ($0["name"], $0["tbl_name"], $0["sql"]) }
    }

    /// Inserts the items of `handoff` into `db`; returns the pack's row count once its end is reached.
    private static func insert(
        _ handoff: Handoff<Item>, into db: Database, whenTablesEnd: () throws -> Void = {}
    ) throws -> Int64 {
        var inserts: [Int: (statement: Statement, sql: String)] = [:]
        while true {
            guard let item = try handoff.take() else { throw PackError("it ends before its end mark") }
            switch item {
            case .table(let index, let name, let columns):
                let sql =
                    "INSERT INTO \(quoted(name)) (\(columns.map(quoted).joined(separator: ", "))) VALUES ("
                    + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
                inserts[index] = (try db.makeStatement(sql: sql), sql)
            case .block(let index, let block):
                guard let (statement, sql) = inserts[index] else { throw PackError("it has rows of no table") }
                try block.insert(into: statement.sqliteStatement, db: db, sql: sql)
            case .tablesEnded:
                try whenTablesEnd()
            case .end(let total):
                return total
            }
        }
    }

    /// The thread filling an ``Aside``'s tables from its own handoff; its outcome once it stops.
    final class AsideThread: @unchecked Sendable {
        let aside: Aside
        let handoff = Handoff<Item>(capacity: 4)
        private let condition = NSCondition()
        private var outcome: Result<Int64, any Error>?

        init(_ aside: Aside) { self.aside = aside }

        func start() {
            Thread.detachNewThread { [self] in
                let result = Result {
                    try aside.writer.write { db in
                        for index in try fullIndexes(db) { try db.execute(sql: "DROP INDEX \(quoted(index.name))") }
                        return try insert(handoff, into: db)
                    }
                }
                condition.lock()
                outcome = result
                condition.broadcast()
                condition.unlock()
                // After the outcome is set: a failure here stops the decoder, and through it the main thread, which
                // then reports this failure as the cause.
                handoff.cancel()
            }
        }

        /// Its error, if it stopped on one.
        var failure: (any Error)? {
            condition.lock()
            defer { condition.unlock() }
            if case .failure(let error) = outcome { return error }
            return nil
        }

        /// Waits for the thread to stop; its rows' count, or its error.
        func wait() throws -> Int64 {
            condition.lock()
            defer { condition.unlock() }
            while outcome == nil { condition.wait() }
            return try outcome!.get()
        }

        /// Stops the thread (the decoder's next block for it is refused) and waits for it.
        func cancelAndWait() {
            handoff.cancel()
            _ = try? wait()
        }
    }

    /// What the decoding thread hands an inserting one: the tables it fills (by their number in the pack), their
    /// blocks, and the pack's row count at its end.
    enum Item {
        case table(Int, String, [String])
        case block(Int, Block)
        /// Every table of this inserting thread has all its rows.
        case tablesEnded
        case end(Int64)
    }

    /// Decodes the pack at `path`, checking its tables are `expected`, and hands each table's items to its owner
    /// (`owners[i]` for table `i`); every owner gets the end, or the failure.
    private static func decode(
        _ path: String, growing: (any GrowingFile)?, expecting expected: [TableShape], into owners: [Handoff<Item>]
    ) {
        var handoffs: [Handoff<Item>] = []
        for owner in owners where !handoffs.contains(where: { $0 === owner }) { handoffs.append(owner) }
        do {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw PackError("cannot open \(path): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            let input = try InflateReader(fd: fd, path: path, growing: growing)
            var head = [UInt8](repeating: 0, count: magic.count)
            try head.withUnsafeMutableBytes { try input.read(into: $0) }
            guard head == magic else { throw PackError("it is not a Concord table pack") }
            let tables = try input.readVarint()
            guard tables == UInt64(expected.count) else {
                throw PackError("it holds \(tables) tables, not the store's \(expected.count)")
            }
            for (index, shape) in expected.enumerated() {
                let name = try readString(input)
                let count = try input.readVarint()
                guard count > 0, count <= 2000 else { throw PackError("table \(name) has \(count) columns") }
                let columns = try (0..<count).map { _ in try readString(input) }
                guard shape.name == name, shape.columns == columns else {
                    throw PackError("its table \(name) (\(columns.joined(separator: ", "))) is not this store's")
                }
                guard owners[index].put(.table(index, name, columns)) else { throw CancellationError() }
            }
            var decoder = ValueDecoder()
            var total: Int64 = 0
            var body: [UInt8] = []
            var ended = Array(repeating: false, count: expected.count)
            while true {
                let table = try input.readVarint()
                if table == 0 { break }
                guard table <= UInt64(expected.count) else { throw PackError("a block names table \(table)") }
                let index = Int(table) - 1
                guard !ended[index] else { throw PackError("it has rows of \(expected[index].name) after its end") }
                let rows = try input.readVarint()
                if rows == 0 {
                    ended[index] = true
                    // An owner whose tables have all ended may go on (build its indexes) before the pack's end.
                    let owner = owners[index]
                    if owners.indices.allSatisfy({ owners[$0] !== owner || ended[$0] }) {
                        guard owner.put(.tablesEnded) else { throw CancellationError() }
                    }
                    continue
                }
                let length = try input.readVarint()
                guard rows <= UInt64(blockRows), length <= UInt64(maxBlockBytes) else {
                    throw PackError("a block of \(expected[index].name) says \(rows) rows in \(length) bytes")
                }
                body.removeAll(keepingCapacity: true)
                body.append(contentsOf: repeatElement(0, count: Int(length)))
                try body.withUnsafeMutableBytes { try input.read(into: $0) }
                let columns = expected[index].columns.count
                decoder.states.use(table: index, columns: columns)
                guard owners[index].put(.block(index, try decoder.decode(body, rows: Int(rows), columns: columns)))
                else { throw CancellationError() }
                total += Int64(rows)
            }
            guard ended.allSatisfy({ $0 }) else { throw PackError("a table of it has no end") }
            guard try input.readVarint() == UInt64(total) else { throw PackError("its row count is not its rows'") }
            try input.expectEnd()
            for handoff in handoffs {
                guard handoff.put(.end(total)) else { throw CancellationError() }
                handoff.finish(nil)
            }
        } catch {
            for handoff in handoffs { handoff.finish(error) }
        }
    }

    private static func readString(_ input: InflateReader) throws -> String {
        let length = try input.readVarint()
        guard length <= 1024 else { throw PackError("a table or column name is \(length) bytes long") }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        try bytes.withUnsafeMutableBytes { try input.read(into: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// One block's values, column after column; texts and blobs point into ``bytes``.
struct Block {
    struct Cell {
        /// SQLite's storage class (`SQLITE_INTEGER` … `SQLITE_NULL`).
        var kind: Int32
        /// The integer, the real's bit pattern, or a text's or blob's offset in ``Block/bytes``.
        var value: Int64
        var length: Int32
    }

    let columns: Int
    var rows = 0
    /// Row-major as read from SQLite when writing; column-major when decoded (``cell(row:column:)`` knows which).
    var cells: [Cell] = []
    var bytes: [UInt8] = []
    var columnMajor = false

    init(columns: Int) { self.columns = columns }

    func cell(row: Int, column: Int) -> Cell {
        columnMajor ? cells[column * rows + row] : cells[row * columns + column]
    }

    /// Appends column `column` of the statement's current row.
    mutating func append(_ handle: SQLiteStatement, _ column: Int32) {
        let kind = sqlite3_column_type(handle, column)
        switch kind {
        case SQLITE_INTEGER:
            cells.append(Cell(kind: kind, value: sqlite3_column_int64(handle, column), length: 0))
        case SQLITE_FLOAT:
            cells.append(
                Cell(kind: kind, value: Int64(bitPattern: sqlite3_column_double(handle, column).bitPattern), length: 0)
            )
        case SQLITE_TEXT, SQLITE_BLOB:
            let pointer =
                kind == SQLITE_TEXT
                ? UnsafeRawPointer(sqlite3_column_text(handle, column)) : sqlite3_column_blob(handle, column)
            let count = Int(sqlite3_column_bytes(handle, column))
            cells.append(Cell(kind: kind, value: Int64(bytes.count), length: Int32(count)))
            if let pointer, count > 0 {
                bytes.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: count))
            }
        default:
            cells.append(Cell(kind: SQLITE_NULL, value: 0, length: 0))
        }
    }

    /// Inserts the block's rows with the prepared INSERT `handle`.
    func insert(into handle: SQLiteStatement, db: Database, sql: String) throws {
        try bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            for row in 0..<rows {
                for column in 0..<columns {
                    let cell = self.cell(row: row, column: column)
                    let index = Int32(column + 1)
                    let code: Int32
                    switch cell.kind {
                    case SQLITE_INTEGER: code = sqlite3_bind_int64(handle, index, cell.value)
                    case SQLITE_FLOAT:
                        code = sqlite3_bind_double(handle, index, Double(bitPattern: UInt64(bitPattern: cell.value)))
                    case SQLITE_TEXT:
                        code = sqlite3_bind_text(
                            handle, index, (base + Int(cell.value)).assumingMemoryBound(to: CChar.self), cell.length,
                            nil)
                    case SQLITE_BLOB:
                        code = sqlite3_bind_blob(handle, index, base + Int(cell.value), cell.length, nil)
                    default: code = sqlite3_bind_null(handle, index)
                    }
                    guard code == SQLITE_OK else {
                        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot bind", sql: sql)
                    }
                }
                let code = sqlite3_step(handle)
                sqlite3_reset(handle)
                guard code == SQLITE_DONE else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: sql)
                }
            }
        }
    }
}

/// A growable byte buffer with the pack's varints.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func zigzag(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    mutating func string(_ text: String) {
        varint(UInt64(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }
}

/// What both sides keep per column while coding it: the previous integer and clock, the differences' bases.
private struct ColumnState {
    var integer: Int64 = 0
    var millis: Int64 = 0
}

/// Column states carried from block to block, one set per table: the tables' blocks interleave.
private struct TableStates {
    private var saved: [Int: [ColumnState]] = [:]
    private var current: Int?
    /// The states of the table of the block being encoded or decoded.
    var columns: [ColumnState] = []

    /// Makes `table`'s states ``columns``, keeping the previous table's.
    mutating func use(table: Int, columns count: Int) {
        guard current != table else { return }
        if let current { saved[current] = columns }
        columns = saved[table] ?? Array(repeating: ColumnState(), count: count)
        current = table
    }
}

private enum Tag: UInt8 {
    case null = 0, integer, real, newText, seenText, longText, clock, joined, blob
}

/// `MILLIS:CCCC` (1–15 digits without a leading zero, or `0`; a colon; 4 digits), as (millis, counter).
private func parseClock(_ bytes: UnsafeRawBufferPointer) -> (Int64, UInt64)? {
    let count = bytes.count
    guard count >= 6, count <= 20, bytes[count - 5] == UInt8(ascii: ":") else { return nil }
    let digits = count - 5
    guard digits == 1 || bytes[0] != UInt8(ascii: "0") else { return nil }
    var millis: Int64 = 0
    for index in 0..<digits {
        let digit = bytes[index] &- UInt8(ascii: "0")
        guard digit < 10 else { return nil }
        millis = millis * 10 + Int64(digit)
    }
    var counter: UInt64 = 0
    for index in (count - 4)..<count {
        let digit = bytes[index] &- UInt8(ascii: "0")
        guard digit < 10 else { return nil }
        counter = counter * 10 + UInt64(digit)
    }
    return (millis, counter)
}

private func appendClock(_ millis: Int64, _ counter: UInt64, to bytes: inout [UInt8]) {
    var digits: [UInt8] = []
    var rest = millis
    repeat {
        digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
        rest /= 10
    } while rest > 0
    bytes.append(contentsOf: digits.reversed())
    bytes.append(UInt8(ascii: ":"))
    bytes.append(UInt8(ascii: "0") + UInt8(counter / 1000 % 10))
    bytes.append(UInt8(ascii: "0") + UInt8(counter / 100 % 10))
    bytes.append(UInt8(ascii: "0") + UInt8(counter / 10 % 10))
    bytes.append(UInt8(ascii: "0") + UInt8(counter % 10))
}

/// The dictionary of short texts, in the order both sides first meet them.
private struct TextDictionary {
    var bytes: [UInt8] = []
    /// Entry i is `bytes[starts[i]..<starts[i + 1]]`.
    var starts: [Int] = [0]
    var count: Int { starts.count - 1 }

    mutating func add(_ text: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: text)
        starts.append(bytes.count)
    }
}

/// The writer's side of the dictionary: finds a text's entry by hash (open addressing over ``Dictionary``).
private struct ValueEncoder {
    var dictionary = TextDictionary()
    var slots = [Int32](repeating: -1, count: 1 << 16)
    var out = ByteWriter()

    static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }

    /// The entry holding `text`, or nil after adding it.
    mutating func entry(_ text: UnsafeRawBufferPointer) -> Int? {
        let mask = slots.count - 1
        var slot = Self.hash(text) & mask
        while slots[slot] >= 0 {
            let index = Int(slots[slot])
            let start = dictionary.starts[index]
            let end = dictionary.starts[index + 1]
            if end - start == text.count
                && dictionary.bytes.withUnsafeBytes({ memcmp($0.baseAddress! + start, text.baseAddress!, text.count) })
                    == 0
            {
                return index
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(dictionary.count)
        dictionary.add(text)
        if dictionary.count * 2 > slots.count { grow() }
        return nil
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for index in 0..<dictionary.count {
            let start = dictionary.starts[index]
            let end = dictionary.starts[index + 1]
            var slot = dictionary.bytes.withUnsafeBytes { Self.hash(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
            slot &= mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }

    var states = TableStates()

    /// The block's values, column after column.
    mutating func encode(_ block: Block) -> [UInt8] {
        out.bytes.removeAll(keepingCapacity: true)
        block.bytes.withUnsafeBytes { raw in
            for column in 0..<block.columns {
                var state = states.columns[column]
                for row in 0..<block.rows {
                    let cell = block.cell(row: row, column: column)
                    switch cell.kind {
                    case SQLITE_INTEGER:
                        tag(.integer)
                        out.zigzag(cell.value &- state.integer)
                        state.integer = cell.value
                    case SQLITE_FLOAT:
                        tag(.real)
                        withUnsafeBytes(of: UInt64(bitPattern: cell.value).littleEndian) {
                            out.bytes.append(contentsOf: $0)
                        }
                    case SQLITE_TEXT:
                        let start = Int(cell.value)
                        text(UnsafeRawBufferPointer(rebasing: raw[start..<start + Int(cell.length)]), &state)
                    case SQLITE_BLOB:
                        tag(.blob)
                        out.varint(UInt64(cell.length))
                        out.bytes.append(contentsOf: raw[Int(cell.value)..<Int(cell.value) + Int(cell.length)])
                    default:
                        tag(.null)
                    }
                }
                states.columns[column] = state
            }
        }
        return out.bytes
    }

    private mutating func tag(_ tag: Tag) { out.bytes.append(tag.rawValue) }

    private mutating func text(_ text: UnsafeRawBufferPointer, _ state: inout ColumnState) {
        // A clock has no separator: it is never joined, and goes on as a short text.
        if let (separator, parts) = Self.joined(text) {
            tag(.joined)
            out.bytes.append(separator)
            out.varint(UInt64(parts.count))
            for part in parts { shortText(UnsafeRawBufferPointer(rebasing: text[part]), &state) }
        } else if text.count > TablePack.shortText {
            tag(.longText)
            out.varint(UInt64(text.count))
            out.bytes.append(contentsOf: text)
        } else {
            shortText(text, &state)
        }
    }

    /// A part of a joined text, or a short text: a clock, or a dictionary entry.
    private mutating func shortText(_ text: UnsafeRawBufferPointer, _ state: inout ColumnState) {
        if let (millis, counter) = parseClock(text) {
            tag(.clock)
            out.zigzag(millis &- state.millis)
            out.varint(counter)
            state.millis = millis
        } else if let index = entry(text) {
            tag(.seenText)
            out.varint(UInt64(dictionary.count - 1 - index))
        } else {
            tag(.newText)
            out.varint(UInt64(text.count))
            out.bytes.append(contentsOf: text)
        }
    }

    /// `text` as ids joined by `,` or ` `: at least 2 parts, each a clock or 16–64 bytes with no separator in it.
    static func joined(_ text: UnsafeRawBufferPointer) -> (UInt8, [Range<Int>])? {
        for separator in [UInt8(ascii: ","), UInt8(ascii: " ")] {
            guard text.contains(separator) else { continue }
            var parts: [Range<Int>] = []
            var start = 0
            for index in 0...text.count where index == text.count || text[index] == separator {
                parts.append(start..<index)
                start = index + 1
            }
            let fits = parts.allSatisfy { part in
                let bytes = UnsafeRawBufferPointer(rebasing: text[part])
                if parseClock(bytes) != nil { return true }
                return part.count >= 16 && part.count <= TablePack.shortText
                    && !bytes.contains(UInt8(ascii: ",")) && !bytes.contains(UInt8(ascii: " "))
            }
            return parts.count >= 2 && parts.count <= 100_000 && fits ? (separator, parts) : nil
        }
        return nil
    }
}

/// The reader's side: the same dictionary and column states, rebuilt value by value.
private struct ValueDecoder {
    var dictionary = TextDictionary()
    private var block = Block(columns: 0)
    var states = TableStates()

    /// A new block of `rows` rows of `columns` values from `body`.
    mutating func decode(_ body: [UInt8], rows: Int, columns: Int) throws -> Block {
        block = Block(columns: columns)
        block.bytes.reserveCapacity(body.count * 2)
        block.rows = rows
        block.columnMajor = true
        block.cells.reserveCapacity(rows * columns)
        try body.withUnsafeBytes { raw in
            var reader = Reader(raw)
            for column in 0..<columns {
                var state = states.columns[column]
                for _ in 0..<rows { try value(&reader, &state) }
                states.columns[column] = state
            }
            guard reader.offset == raw.count else { throw PackError("a block has bytes past its values") }
        }
        return block
    }

    private mutating func value(_ reader: inout Reader, _ state: inout ColumnState) throws {
        // References expand: a hostile pack could make a small block decode to gigabytes.
        guard block.bytes.count <= TablePack.maxDecodedBytes else {
            throw PackError("a block decodes to more than \(TablePack.maxDecodedBytes >> 20) MiB")
        }
        guard let tag = Tag(rawValue: try reader.byte()) else { throw PackError("a value has an unknown tag") }
        switch tag {
        case .null: block.cells.append(Block.Cell(kind: SQLITE_NULL, value: 0, length: 0))
        case .integer:
            state.integer = state.integer &+ (try reader.zigzag())
            block.cells.append(Block.Cell(kind: SQLITE_INTEGER, value: state.integer, length: 0))
        case .real:
            var bits: UInt64 = 0
            for shift in stride(from: 0, to: 64, by: 8) { bits |= UInt64(try reader.byte()) << UInt64(shift) }
            block.cells.append(Block.Cell(kind: SQLITE_FLOAT, value: Int64(bitPattern: bits), length: 0))
        case .blob:
            let bytes = try reader.bytes(try reader.length())
            block.cells.append(
                Block.Cell(kind: SQLITE_BLOB, value: Int64(block.bytes.count), length: Int32(bytes.count)))
            block.bytes.append(contentsOf: bytes)
        case .longText:
            let bytes = try reader.bytes(try reader.length())
            block.cells.append(
                Block.Cell(kind: SQLITE_TEXT, value: Int64(block.bytes.count), length: Int32(bytes.count)))
            block.bytes.append(contentsOf: bytes)
        case .newText, .seenText, .clock:
            let start = block.bytes.count
            try part(tag, &reader, &state)
            block.cells.append(
                Block.Cell(kind: SQLITE_TEXT, value: Int64(start), length: Int32(block.bytes.count - start)))
        case .joined:
            let start = block.bytes.count
            let separator = try reader.byte()
            let count = try reader.length()
            guard count >= 2 else { throw PackError("a joined text has \(count) parts") }
            for index in 0..<count {
                guard block.bytes.count <= TablePack.maxDecodedBytes else {
                    throw PackError("a block decodes to more than \(TablePack.maxDecodedBytes >> 20) MiB")
                }
                if index > 0 { block.bytes.append(separator) }
                guard let tag = Tag(rawValue: try reader.byte()), [.newText, .seenText, .clock].contains(tag) else {
                    throw PackError("a joined text has a part of an unknown kind")
                }
                try part(tag, &reader, &state)
            }
            block.cells.append(
                Block.Cell(kind: SQLITE_TEXT, value: Int64(start), length: Int32(block.bytes.count - start)))
        }
    }

    /// Appends a short text (new, seen or a clock) to the block's bytes.
    private mutating func part(_ tag: Tag, _ reader: inout Reader, _ state: inout ColumnState) throws {
        switch tag {
        case .newText:
            let length = try reader.length()
            guard length <= TablePack.shortText else { throw PackError("a dictionary text is \(length) bytes long") }
            let bytes = try reader.bytes(length)
            dictionary.add(bytes)
            block.bytes.append(contentsOf: bytes)
        case .seenText:
            let back = try reader.varint()
            guard back < UInt64(dictionary.count) else {
                throw PackError("a text names a dictionary entry it does not have")
            }
            let index = dictionary.count - 1 - Int(back)
            block.bytes.append(contentsOf: dictionary.bytes[dictionary.starts[index]..<dictionary.starts[index + 1]])
        default:
            state.millis = state.millis &+ (try reader.zigzag())
            let counter = try reader.varint()
            guard state.millis >= 0, counter <= 9999 else { throw PackError("a clock in it is out of range") }
            appendClock(state.millis, counter, to: &block.bytes)
        }
    }
}

/// Reads a block's bytes, checking every bound.
private struct Reader {
    let raw: UnsafeRawBufferPointer
    var offset = 0

    init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

    mutating func byte() throws -> UInt8 {
        guard offset < raw.count else { throw PackError("a block ends in the middle of a value") }
        defer { offset += 1 }
        return raw[offset]
    }

    mutating func varint() throws -> UInt64 { try decodeVarint { try byte() } }

    mutating func zigzag() throws -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// A length or count, at most what is left of the block.
    mutating func length() throws -> Int {
        let value = try varint()
        guard value <= UInt64(raw.count) else { throw PackError("a length in it is past its block's end") }
        return Int(value)
    }

    mutating func bytes(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count <= raw.count - offset else { throw PackError("a block ends in the middle of a value") }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: raw[offset..<offset + count])
    }
}

extension TablePack {
    /// The uncompressed stream of the pack at `path` (tests: they damage it and pack it again with ``deflate``).
    package static func inflate(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PackError("cannot open \(path)") }
        defer { close(fd) }
        let input = try InflateReader(fd: fd, path: path)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1)
        while true {
            do { try chunk.withUnsafeMutableBytes { try input.read(into: $0) } } catch { break }
            bytes.append(chunk[0])
        }
        return bytes
    }

    /// Writes `bytes` to the new file `path` as a zlib stream.
    package static func deflate(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PackError("cannot create \(path)") }
        defer { close(fd) }
        let out = try DeflateWriter(fd: fd, path: path, level: 1)
        try out.write(bytes)
        try out.finish()
    }
}
