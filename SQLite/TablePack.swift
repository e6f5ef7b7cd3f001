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
/// The file is one zlib stream: the magic `CNCDPACK1`, then per table (in name order) its name, its column names
/// and its rows in blocks of up to ``blockRows``, then a 0 and the number of rows in all. A block is its row count,
/// its byte length, and its values column after column. A value is a tag byte and its payload:
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
    static let magic = Array("CNCDPACK1".utf8)
    /// Rows per block: enough for a column's values to compress together, few enough to keep memory small.
    static let blockRows = 4096
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
            let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(quoted(name)))")
            let withoutRowid =
                try Bool.fetchOne(db, sql: "SELECT wr FROM pragma_table_list WHERE name = ?", arguments: [name])
                ?? false
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
        try out.write(magic)
        var encoder = ValueEncoder()
        var total: Int64 = 0
        for shape in try shapes(db, skipping: skipping) {
            encoder.startTable(columns: shape.columns.count)
            var header = ByteWriter()
            header.varint(1)
            header.string(shape.name)
            header.varint(UInt64(shape.columns.count))
            for column in shape.columns { header.string(column) }
            try out.write(header.bytes)
            if !emptied.contains(shape.name) {
                let expressions = shape.columns.map { select[shape.name]?[$0] ?? quoted($0) }
                let sql =
                    "SELECT \(expressions.joined(separator: ", ")) FROM \(quoted(shape.name)) ORDER BY "
                    + shape.order.map(quoted).joined(separator: ", ")
                total += try writeRows(db, sql: sql, columns: shape.columns.count, encoder: &encoder, to: out)
            }
            var end = ByteWriter()
            end.varint(0)
            try out.write(end.bytes)
        }
        var trailer = ByteWriter()
        trailer.varint(0)
        trailer.varint(UInt64(total))
        try out.write(trailer.bytes)
        try out.finish()
        return total
    }

    private static func writeRows(
        _ db: Database, sql: String, columns: Int, encoder: inout ValueEncoder, to out: DeflateWriter
    ) throws -> Int64 {
        let statement = try db.makeStatement(sql: sql)
        let handle = statement.sqliteStatement
        var block = Block(columns: columns)
        var total: Int64 = 0
        func flush() throws {
            guard block.rows > 0 else { return }
            let body = encoder.encode(block)
            var head = ByteWriter()
            head.varint(UInt64(block.rows))
            head.varint(UInt64(body.count))
            try out.write(head.bytes)
            try out.write(body)
            total += Int64(block.rows)
            block.removeAll()
        }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: sql)
            }
            for column in 0..<Int32(columns) { block.append(handle, column) }
            block.rows += 1
            if block.rows == blockRows || block.bytes.count >= blockBytes { try flush() }
        }
        sqlite3_reset(handle)
        try flush()
        return total
    }

    // MARK: Reading

    /// Inserts the rows of the pack at `path` into `db`, whose tables must be the pack's (same names, same columns)
    /// and empty: the schema of the store the pack was made from. Its full indexes are dropped first and made again
    /// at the end, which is several times faster than keeping them up to date row by row; partial ones (`WHERE`),
    /// which hold few rows, are kept. Returns the rows inserted; throws ``PackError`` saying what is wrong with a file
    /// that is not such a pack. Run inside one transaction.
    ///
    /// The file is read and decoded on a thread of its own, a few blocks ahead of the inserts: the two take about
    /// the same time, so a second core halves it.
    ///
    /// A `growing` file (a download) is read as it grows, so the rows go in while the rest is still on its way.
    public static func read(
        from path: String, into db: Database, skipping: Set<String> = [], growing: (any GrowingFile)? = nil
    ) throws -> Int64 {
        let expected = try shapes(db, skipping: skipping)
        // Blocks decoded ahead of the inserts: enough to keep both threads busy, each ~1 MB.
        let handoff = Handoff<Item>(capacity: 4)
        defer { handoff.cancel() }
        Thread.detachNewThread { decode(path, growing: growing, expecting: expected, into: handoff) }
        let indexes = try Row.fetchAll(
            db,
            sql: """
                SELECT name, sql FROM sqlite_master
                WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE '% WHERE %' ORDER BY name
                """)
        for index in indexes { try db.execute(sql: "DROP INDEX \(quoted(index["name"]))") }
        var insert: (statement: Statement, sql: String)?
        while true {
            guard let item = try handoff.take() else { throw PackError("it ends before its end mark") }
            switch item {
            case .table(let name, let columns):
                let sql =
                    "INSERT INTO \(quoted(name)) (\(columns.map(quoted).joined(separator: ", "))) VALUES ("
                    + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
                insert = (try db.makeStatement(sql: sql), sql)
            case .block(let block):
                guard let (statement, sql) = insert else { throw PackError("it has rows before a table") }
                try block.insert(into: statement.sqliteStatement, db: db, sql: sql)
            case .end(let total):
                for index in indexes { try db.execute(sql: index["sql"]) }
                return total
            }
        }
    }

    /// What the decoding thread hands the inserting one.
    enum Item {
        case table(String, [String])
        case block(Block)
        case end(Int64)
    }

    /// Decodes the pack at `path` into `handoff`'s items, checking its tables are `expected`; ends with its failure.
    private static func decode(
        _ path: String, growing: (any GrowingFile)?, expecting expected: [TableShape], into handoff: Handoff<Item>
    ) {
        do {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw PackError("cannot open \(path): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            let input = try InflateReader(fd: fd, path: path, growing: growing)
            var head = [UInt8](repeating: 0, count: magic.count)
            try head.withUnsafeMutableBytes { try input.read(into: $0) }
            guard head == magic else { throw PackError("it is not a Concord table pack") }
            var decoder = ValueDecoder()
            var total: Int64 = 0
            var tables = 0
            var body: [UInt8] = []
            while try input.readVarint() == 1 {
                let name = try readString(input)
                let count = try input.readVarint()
                guard count > 0, count <= 2000 else { throw PackError("table \(name) has \(count) columns") }
                let columns = try (0..<count).map { _ in try readString(input) }
                guard tables < expected.count, expected[tables].name == name, expected[tables].columns == columns
                else {
                    throw PackError("its table \(name) (\(columns.joined(separator: ", "))) is not this store's")
                }
                tables += 1
                guard handoff.put(.table(name, columns)) else { return }
                decoder.startTable(columns: columns.count)
                while true {
                    let rows = try input.readVarint()
                    if rows == 0 { break }
                    let length = try input.readVarint()
                    guard rows <= UInt64(blockRows), length <= UInt64(maxBlockBytes) else {
                        throw PackError("a block of \(name) says \(rows) rows in \(length) bytes")
                    }
                    body.removeAll(keepingCapacity: true)
                    body.append(contentsOf: repeatElement(0, count: Int(length)))
                    try body.withUnsafeMutableBytes { try input.read(into: $0) }
                    guard handoff.put(.block(try decoder.decode(body, rows: Int(rows), columns: columns.count)))
                    else { return }
                    total += Int64(rows)
                }
            }
            guard tables == expected.count else {
                throw PackError("it holds \(tables) tables, not the store's \(expected.count)")
            }
            guard try input.readVarint() == UInt64(total) else { throw PackError("its row count is not its rows'") }
            try input.expectEnd()
            _ = handoff.put(.end(total))
        } catch {
            handoff.finish(error)
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

    mutating func removeAll() {
        rows = 0
        cells.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
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

    /// Column states carried from block to block of one table.
    var columnStates: [ColumnState] = []

    mutating func startTable(columns: Int) { columnStates = Array(repeating: ColumnState(), count: columns) }

    /// The block's values, column after column.
    mutating func encode(_ block: Block) -> [UInt8] {
        out.bytes.removeAll(keepingCapacity: true)
        block.bytes.withUnsafeBytes { raw in
            for column in 0..<block.columns {
                var state = columnStates[column]
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
                columnStates[column] = state
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
    var columnStates: [ColumnState] = []

    mutating func startTable(columns: Int) { columnStates = Array(repeating: ColumnState(), count: columns) }

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
                var state = columnStates[column]
                for _ in 0..<rows { try value(&reader, &state) }
                columnStates[column] = state
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
