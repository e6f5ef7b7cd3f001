import ConcordStore
import ConcordCore
import Foundation
import GRDB
import Testing

@Suite("Store file")
struct StoreFileTests {
    @Test("a new store is mode 0600, knows its analyst and a fresh replica id, and reopens")
    func createAndReopen() throws {
        let dir = TempDir()
        let store = try makeStore(dir)
        let meta = try store.metadata()
        #expect(meta.analyst.rawValue == "alice")
        #expect(meta.role == .analyst)
        #expect(meta.pullCursor == 0)
        #expect(meta.lastSync == nil)
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let reopened = try LocalStore.open(at: store.path)
        #expect(try reopened.metadata().replica == meta.replica)
    }

    @Test("two stores get different replica ids")
    func replicaIDsDiffer() throws {
        let dir = TempDir()
        let a = try LocalStore.create(at: dir.file("a"), analyst: AnalystName("alice"), server: nil, token: nil)
        let b = try LocalStore.create(at: dir.file("b"), analyst: AnalystName("alice"), server: nil, token: nil)
        #expect(try a.metadata().replica != b.metadata().replica)
    }

    @Test("opening a missing store says to run concord init")
    func missingStore() throws {
        let dir = TempDir()
        let error = #expect(throws: StoreError.self) { try LocalStore.open(at: dir.file("nope.sqlite")) }
        #expect(error?.description.contains("run `concord init") == true)
    }

    @Test("init refuses to overwrite an existing file")
    func initRefusesExisting() throws {
        let dir = TempDir()
        let path = dir.write("existing", "keep me")
        #expect(throws: StoreError.alreadyExists(path: path)) {
            try LocalStore.create(at: path, analyst: AnalystName("alice"), server: nil, token: nil)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
    }

    @Test("a foreign SQLite database is refused and left byte for byte unchanged")
    func foreignDatabase() throws {
        let dir = TempDir()
        let path = dir.file("foreign.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE t(x); INSERT INTO t VALUES (1)") }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let error = #expect(throws: StoreError.self) { try LocalStore.open(at: path) }
        #expect(error?.description.hasPrefix("not a Concord store: \(path)") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test("a corrupt file is refused and left unchanged", arguments: ["garbage", "random"])
    func corruptFile(kind: String) throws {
        let dir = TempDir()
        let path = dir.file("corrupt.sqlite")
        var bytes: Data
        if kind == "garbage" {
            bytes = Data("this is not a database at all, just some text that goes on for a while\n".utf8)
        } else {
            var random = SeededRandom(seed: 9)
            bytes = Data((0..<8192).map { _ in UInt8.random(in: 0...255, using: &random) })
        }
        try bytes.write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: StoreError.self) { try LocalStore.open(at: path) }
        #expect(error?.description.hasPrefix("not a Concord store") == true)
        // SQLite's own answer is kept as the cause: SQLITE_NOTADB (26).
        guard case .notAStore(_, _, let cause) = error else {
            Issue.record("expected notAStore, got \(String(describing: error))")
            return
        }
        #expect(cause?.code == 26, "\(String(describing: cause))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
    }

    @Test("a store whose header was damaged after creation is refused")
    func damagedStore() throws {
        let dir = TempDir()
        let path = dir.file("store.sqlite")
        do {
            let store = try makeStore(dir)
            _ = try store.metadata()
        }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.write(contentsOf: Data(repeating: 0x41, count: 100))
        try handle.close()
        #expect(throws: StoreError.self) { try LocalStore.open(at: path) }
    }

    @Test("the store uses WAL, synchronous=FULL and the Concord application id")
    func pragmas() throws {
        let dir = TempDir()
        let store = try makeStore(dir)
        _ = store
        let queue = try DatabaseQueue(path: dir.file("store.sqlite"))
        let (mode, id) = try queue.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int32.fetchOne(db, sql: "PRAGMA application_id"))
        }
        #expect(mode == "wal")
        #expect(id == 0x434E_4344)
    }
}
