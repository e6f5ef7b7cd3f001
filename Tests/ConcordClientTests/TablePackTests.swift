import ConcordCore
import ConcordSQLite
import Foundation
import GRDB
import Testing

/// The snapshot's encoding (``TablePack``): every row of every table back, value for value and storage class for
/// storage class, and a damaged pack refused with a sentence, never a crash.
@Suite("Table pack")
struct TablePackTests {
    /// Tables of every kind a store has: a rowid alias, a rowid no column names, WITHOUT ROWID with a composite key,
    /// an untyped column (which keeps whatever class it is given), and indexes to drop and make again.
    static let schema = """
        CREATE TABLE log (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, entity TEXT NOT NULL, value,
            hlc TEXT, supersedes TEXT, weight REAL, data BLOB);
        CREATE INDEX log_entity ON log(entity);
        CREATE TABLE plain (name TEXT, n INTEGER);
        CREATE TABLE keyed (entity TEXT NOT NULL, field TEXT NOT NULL, change TEXT NOT NULL, seq INTEGER NOT NULL,
            PRIMARY KEY (entity, field, change)) WITHOUT ROWID;
        CREATE INDEX keyed_seq ON keyed(seq) WHERE seq > 10;
        CREATE TABLE empty (x);
        """

    static func database(_ path: String) throws -> DatabaseQueue {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: schema) }
        return queue
    }

    /// A random value of any storage class, leaning to the texts the pack codes specially.
    static func value(_ random: inout SeededRandom, ids: [String]) -> DatabaseValue {
        switch random.next() % 14 {
        case 0: return .null
        case 1: return [Int64.min, Int64.max, 0, -1, 1 << 40].randomElement(using: &random)!.databaseValue
        case 2: return Int64(bitPattern: random.next()).databaseValue
        case 3:
            return [0.0, -0.0, 1.5, -1e300, .infinity, .leastNonzeroMagnitude].randomElement(using: &random)!
                .databaseValue
        case 4:
            return "\(random.next() % 2_000_000_000_000):\(String(format: "%04d", Int(random.next() % 10_000)))"
                .databaseValue
        // Near-clocks that must stay texts as they are: a leading zero, 3 or 5 counter digits, a sign.
        case 5:
            return ["0123:0001", "1:000", "1:00000", "-5:0001", "0:0000", ":0000", "12:ab12"]
                .randomElement(using: &random)!.databaseValue
        case 6:
            return (0..<Int(random.next() % 4)).map { _ in ids.randomElement(using: &random)! }
                .joined(separator: ",").databaseValue
        case 7: return "1752224408663:0001 \(ids.randomElement(using: &random)!)".databaseValue
        case 8: return ids.randomElement(using: &random)!.databaseValue
        case 9: return String(repeating: "é€😀 x", count: Int(random.next() % 40)).databaseValue
        case 10:
            return ["", " ", ",", ",,", "a,b", "\(ids[0]),", " \(ids[0])", "x\u{0}y"]
                .randomElement(using: &random)!.databaseValue
        case 11: return Data((0..<Int(random.next() % 100)).map { _ in UInt8(random.next() % 256) }).databaseValue
        case 12: return Data().databaseValue
        default: return String(repeating: "long text ", count: 10 + Int(random.next() % 30)).databaseValue
        }
    }

    static func fill(_ queue: DatabaseQueue, seed: UInt64, rows: Int) throws {
        var random = SeededRandom(seed: seed)
        var uuids = UUIDv7Generator(now: { 1_752_224_408_663 }, random: SeededRandom(seed: seed))
        let ids = (0..<50).map { _ in uuids.next().rawValue }
        try queue.write { db in
            for index in 0..<rows {
                try db.execute(
                    sql: "INSERT INTO log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [
                        Int64(index * 3 + 1), "id-\(index)-\(random.next() % 1000)", ids.randomElement(using: &random)!,
                        value(&random, ids: ids), value(&random, ids: ids), value(&random, ids: ids),
                        value(&random, ids: ids), value(&random, ids: ids),
                    ])
                try db.execute(
                    sql: "INSERT INTO plain VALUES (?, ?)",
                    arguments: [value(&random, ids: ids), value(&random, ids: ids)])
                try db.execute(
                    sql: "INSERT OR IGNORE INTO keyed VALUES (?, ?, ?, ?)",
                    arguments: [
                        ids.randomElement(using: &random)!, ["title", "type", "actors"].randomElement(using: &random)!,
                        ids.randomElement(using: &random)!, Int64(random.next() % 100),
                    ])
            }
            // Gaps in the implicit rowids: the pack keeps each row's rowid, not its position.
            try db.execute(sql: "DELETE FROM plain WHERE rowid % 7 = 3")
        }
    }

    /// Every row of every table with its rowid where it has one, each value quoted with its storage class.
    static func dump(_ queue: DatabaseQueue) throws -> [String: [String]] {
        try queue.read { db in
            var tables: [String: [String]] = [:]
            for (table, key) in [
                ("log", "seq"), ("plain", "rowid"), ("keyed", "entity, field, change"), ("empty", "rowid"),
            ] {
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { $0["name"] as String }
                let select = (["rowid"].filter { _ in table != "keyed" } + columns).map {
                    "typeof(\($0)) || ':' || quote(\($0))"
                }
                tables[table] = try String.fetchAll(
                    db, sql: "SELECT \(select.joined(separator: " || ' | ' || ")) FROM \(table) ORDER BY \(key)")
            }
            tables["indexes"] = try String.fetchAll(
                db,
                sql:
                    "SELECT name || ' ' || sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
            )
            return tables
        }
    }

    /// A database of the test schema in `dir`, filled with `rows` random rows (`seed`), and its pack `a.pack`.
    static func packed(
        in dir: URL, seed: UInt64, rows: Int, select: [String: [String: String]] = [:], emptied: Set<String> = []
    ) throws -> (source: DatabaseQueue, pack: String, written: Int64) {
        let source = try database(dir.appendingPathComponent("a.sqlite").path)
        try fill(source, seed: seed, rows: rows)
        let pack = dir.appendingPathComponent("a.pack").path
        let written = try source.read { db in try TablePack.write(db, to: pack, select: select, emptied: emptied) }
        return (source, pack, written)
    }

    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("concord-pack-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Reads `pack` into `target`; with `aside`, every table but `log` is offered to a second database (the test
    /// schema, in `dir`), filled on another thread and copied in, as a snapshot's unpack does. (`plain` and `empty`,
    /// whose rowids no column names, stay with `target`: a copy would renumber them.)
    static func read(_ pack: String, into target: DatabaseQueue, aside: Bool, in dir: URL) throws -> Int64 {
        guard aside else { return try target.write { db in try TablePack.read(from: pack, into: db) } }
        let path = dir.appendingPathComponent("aside-\(UUID()).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let second = try database(path)
        defer { try? second.close() }
        return try target.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS aside", arguments: [path])
            defer { try? db.execute(sql: "DETACH DATABASE aside") }
            var read: Int64 = 0
            try db.inTransaction(.deferred) {
                read = try TablePack.read(
                    from: pack, into: db,
                    aside: TablePack.Aside(tables: ["plain", "keyed", "empty"], writer: second, attachedAs: "aside"))
                return .commit
            }
            return read
        }
    }

    @Test(
        "a pack unpacked is the database it was made from, row for row and class for class, also with tables aside",
        arguments: [1, 2, 3, 4] as [UInt64], [false, true])
    func roundTrip(seed: UInt64, aside: Bool) throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // More rows than a block, so column states and the dictionary carry across blocks, and the tables' blocks
        // interleave.
        let (source, pack, written) = try Self.packed(in: dir, seed: seed, rows: 5_000 + Int(seed) * 100)
        let target = try Self.database(dir.appendingPathComponent("b.sqlite").path)
        let read = try Self.read(pack, into: target, aside: aside, in: dir)
        #expect(read == written)
        #expect(try Self.dump(target) == Self.dump(source))
        #expect(try target.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") } == ["ok"])
    }

    @Test("the tables' blocks interleave, the largest table's ahead of the others, and each table's end is marked")
    func interleaved() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pack = try Self.packed(in: dir, seed: 7, rows: 20_000).pack
        // The blocks' table numbers in file order (tables are numbered in name order from 1: empty, keyed, log,
        // plain), read with the format's own varints.
        let bytes = try TablePack.inflate(pack)
        var offset = TablePack.magic.count
        func varint() throws -> UInt64 {
            try decodeVarint {
                defer { offset += 1 }
                return bytes[offset]
            }
        }
        let tables = Int(try varint())
        var names: [String] = []
        for _ in 0..<tables {
            let length = Int(try varint())
            names.append(String(decoding: bytes[offset..<offset + length], as: UTF8.self))
            offset += length
            let columns = try varint()
            for _ in 0..<columns { offset += Int(try varint()) }
        }
        #expect(names == ["empty", "keyed", "log", "plain"])
        var order: [String] = []
        var ends: [String] = []
        while true {
            let table = Int(try varint())
            if table == 0 { break }
            let rows = try varint()
            if rows == 0 {
                ends.append(names[table - 1])
                continue
            }
            offset += Int(try varint())
            order.append(names[table - 1])
        }
        #expect(Set(ends) == Set(names) && ends.count == names.count)
        #expect(ends.first == "empty")
        // `log` (20,000 rows, the largest) ends before `plain` (~17,000), whose blocks come before and after it.
        #expect(ends.firstIndex(of: "log")! < ends.firstIndex(of: "plain")!)
        let lastLog = order.lastIndex(of: "log")!
        #expect(order.firstIndex(of: "plain")! < lastLog && order.lastIndex(of: "plain")! > lastLog)
    }

    @Test("a column can be replaced by an expression and a table emptied, as a snapshot drops its store's identity")
    func selectAndEmpty() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pack = try Self.packed(
            in: dir, seed: 9, rows: 50, select: ["plain": ["name": "'hidden'"]], emptied: ["keyed"]
        ).pack
        let target = try Self.database(dir.appendingPathComponent("b.sqlite").path)
        _ = try target.write { db in try TablePack.read(from: pack, into: db) }
        let (names, keyed, log) = try target.read { db in
            (
                try String.fetchAll(db, sql: "SELECT DISTINCT name FROM plain"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM keyed"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM log")
            )
        }
        #expect(names == ["hidden"])
        #expect(keyed == 0)
        #expect(log == 50)
    }

    @Test("a damaged pack is refused with a PackError or a constraint, never a crash, a hang or a half-built table")
    func damaged() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pack = try Self.packed(in: dir, seed: 5, rows: 300).pack
        let plain = try TablePack.inflate(pack)
        var random = SeededRandom(seed: 11)
        var refused = 0
        var truncations = 0
        for round in 0..<300 {
            var bytes = plain
            switch round % 4 {
            case 0: bytes[Int(random.next() % UInt64(bytes.count))] ^= UInt8(1 + random.next() % 255)
            case 1: bytes.removeLast(1 + Int(random.next() % UInt64(bytes.count - 1)))
            case 2: bytes.insert(UInt8(random.next() % 256), at: Int(random.next() % UInt64(bytes.count)))
            default: bytes[Int(random.next() % UInt64(bytes.count))] = 0xFF
            }
            let damaged = dir.appendingPathComponent("d.pack").path
            try TablePack.deflate(bytes, to: damaged)
            let target = try Self.database(dir.appendingPathComponent("t\(round).sqlite").path)
            defer { try? target.close() }
            do {
                // Every other pack of each kind of damage is read with tables aside: a failure on either inserting
                // thread stops both.
                _ = try Self.read(damaged, into: target, aside: round % 8 >= 4, in: dir)
            } catch is PackError {
                refused += 1
                if round % 4 == 1 { truncations += 1 }
            } catch let error as DatabaseError {
                // A damaged value can break a constraint (a duplicate id) or a type; the write rolls back whole.
                #expect([.SQLITE_CONSTRAINT, .SQLITE_MISMATCH].contains(error.resultCode), "\(error)")
                refused += 1
                if round % 4 == 1 { truncations += 1 }
                #expect(try target.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM log") } == 0)
            }
        }
        // A pack cut short is always refused. Other damage mostly is, but a changed byte inside a text or a number
        // can still make a valid pack of other rows: the manifest's SHA-256, checked before any unpack, is what
        // catches those.
        #expect(truncations == 75, "\(truncations) of 75 truncations refused")
        #expect(refused > 150, "\(refused) of 300 refused")
        // Bytes of the file itself (not of its stream) fail zlib's own checks.
        var file = try Data(contentsOf: URL(fileURLWithPath: pack))
        file[file.count / 2] ^= 0x20
        try file.write(to: URL(fileURLWithPath: pack))
        let target = try DatabaseQueue()
        try target.write { db in try db.execute(sql: Self.schema) }
        #expect(throws: PackError.self) { try target.write { db in try TablePack.read(from: pack, into: db) } }
    }

    @Test("a pack of other tables is refused by name before any row is read")
    func otherTables() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try Self.database(dir.appendingPathComponent("a.sqlite").path)
        try source.write { db in try db.execute(sql: "ALTER TABLE plain ADD COLUMN extra TEXT") }
        let pack = dir.appendingPathComponent("a.pack").path
        _ = try source.read { db in try TablePack.write(db, to: pack) }
        let target = try Self.database(dir.appendingPathComponent("b.sqlite").path)
        let error = #expect(throws: PackError.self) {
            try target.write { db in try TablePack.read(from: pack, into: db) }
        }
        #expect(error?.description.contains("plain") == true, "\(String(describing: error))")
    }
}
