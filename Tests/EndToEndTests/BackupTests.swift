import ConcordStore
import ConcordSync
import ConcordCore
import ConcordServer
import ConcordTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("concord-server backup", .serialized)
struct BackupTests {
    @Test("backups taken while analysts push are consistent prefixes of the log, and a copy serves as a server")
    func backupWhileServing() async throws {
        let rig = try CrashTests.Rig()
        let names = ["ana", "ben"]
        for name in names { try rig.analyst(name) }
        try await rig.server.start()
        defer { rig.server.stopBlocking(signal: SIGTERM) }
        for name in names { _ = try rig.stores[name]!.importArticles(Array(Cluster.seeds.prefix(2))) }
        let documents = try rig.stores["ana"]!.documents().map(\.id.rawValue)

        let done = ManagedFlag()
        var pushers: [Task<Void, any Error>] = []
        for (index, name) in names.enumerated() {
            let store = rig.stores[name]!
            let engine = rig.engine(name)
            pushers.append(
                Task.detached {
                    var random = SeededRandom(seed: UInt64(index + 100))
                    var serial = 0
                    while !done.isSet {
                        for _ in 0..<3 {
                            serial += 1
                            try CrashTests.edit(store, random: &random, documents: documents, serial: serial)
                        }
                        _ = try await engine.run()
                    }
                })
        }
        // Three backups while the pushes go on, each to a new file, each once the log has grown.
        var copies: [(path: String, changes: Int)] = []
        for round in 0..<3 {
            try await Self.waitForGrowth(rig, past: copies.last?.changes ?? 0)
            let out = rig.path("backup-\(round).sqlite")
            let result = try await run(Binaries.server, ["backup", "--db", rig.server.dbPath, "--out", out])
            #expect(result.status == 0, "backup exits 0: \(result.stderr)")
            let reported = result.stderr.split(separator: " ").dropFirst(2).first.flatMap { Int($0) }
            copies.append((out, try #require(reported, "backup says how many changes: \(result.stderr)")))
        }
        try await Self.waitForGrowth(rig, past: copies.last!.changes)
        done.set()
        for pusher in pushers { try await pusher.value }
        let log = try await rig.serverLog()
        #expect(copies.map(\.changes) == copies.map(\.changes).sorted() && copies[0].changes > 0)
        #expect(copies.last!.changes < log.count, "the last backup was taken while pushes went on")

        for copy in copies {
            // A consistent copy: exactly the first n changes of the live log, byte for byte, and its merged view
            // is the fold of those n changes (a torn copy would break one or the other).
            let store = try SQLiteServerStore(path: copy.path)
            let page = try await store.changes(after: 0, limit: 1_000_000)
            #expect(page.changes.map(\.seq) == Array(1...Int64(copy.changes)))
            let prefix = log.prefix(copy.changes).map(\.change)
            #expect(
                try page.changes.map { try Change.decodeFast(json: Data($0.body)) } == prefix,
                "\(copy.path) holds the log's first \(copy.changes) changes")
            let fold = Replica(folding: prefix)
            for snapshot in try await store.allSnapshots() {
                #expect(fold.snapshot(of: snapshot.id) == snapshot, "\(snapshot.id) is the fold of the copy's log")
            }
            try await store.close()
        }

        // The copy is a server database: a server on it serves its changes to an analyst's token.
        let restored = ServerProcess(dbPath: copies[0].path)
        try await restored.start()
        defer { restored.stopBlocking(signal: SIGTERM) }
        let transport = HTTPTransport(server: restored.url, token: rig.tokens["ben"]!)
        let served = try await transport.pull(after: 0, limit: 20_000)
        #expect(served.changes.count == copies[0].changes)

        // Never overwrites; a PostgreSQL URL is sent to pg_dump.
        let before = try Data(contentsOf: URL(fileURLWithPath: copies[1].path))
        let again = try await run(Binaries.server, ["backup", "--db", rig.server.dbPath, "--out", copies[1].path])
        #expect(again.status == 1 && again.stderr.contains("never overwrites"), "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: copies[1].path)) == before)
        let postgres = try await run(
            Binaries.server, ["backup", "--db", "postgres://concord:secret@127.0.0.1:1/x", "--out", rig.path("pg")])
        #expect(postgres.status == 1 && postgres.stderr.contains("pg_dump"), "\(postgres.stderr)")
        #expect(!postgres.stderr.contains("secret"), "a password is never shown")
        #expect(!FileManager.default.fileExists(atPath: rig.path("pg")))
        // A symbolic link to nothing at the output path: refused in words, never followed.
        let dangling = rig.path("dangling.sqlite")
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: rig.path("nowhere/x.sqlite"))
        let linked = try await run(Binaries.server, ["backup", "--db", rig.server.dbPath, "--out", dangling])
        #expect(linked.status == 1 && linked.stderr.contains("is a symbolic link"), "\(linked.stderr)")
        #expect(!linked.stderr.contains("NSCocoaErrorDomain"))
        let missing = try await run(
            Binaries.server, ["backup", "--db", rig.path("none.sqlite"), "--out", rig.path("b")])
        #expect(missing.status == 1 && missing.stderr.contains("does not exist"), "\(missing.stderr)")
    }

    @Test("a SQLite server restored from `concord-server backup`: every analyst's next sync notices and repairs")
    func restoredBackup() async throws {
        let rig = try CrashTests.Rig()
        let backup = rig.path("backup.sqlite")
        try await Self.restoreScenario(
            rig,
            backup: {
                let result = try runBlocking(Binaries.server, ["backup", "--db", rig.server.dbPath, "--out", backup])
                #expect(result.status == 0, "\(result.stderr)")
            },
            restore: {
                for suffix in ["", "-wal", "-shm"] {
                    try? FileManager.default.removeItem(atPath: rig.server.dbPath + suffix)
                }
                try FileManager.default.copyItem(atPath: backup, toPath: rig.server.dbPath)
            })
    }

    @Test("a SQLite file replaced by an older copy of itself (taken with the server stopped): the same repair")
    func replacedFile() async throws {
        let rig = try CrashTests.Rig()
        let copy = rig.path("copy.sqlite")
        try await Self.restoreScenario(
            rig,
            backup: {
                rig.server.stopBlocking(signal: SIGTERM)
                try FileManager.default.copyItem(atPath: rig.server.dbPath, toPath: copy)
                try rig.server.startBlocking()
            },
            restore: {
                for suffix in ["", "-wal", "-shm"] {
                    try? FileManager.default.removeItem(atPath: rig.server.dbPath + suffix)
                }
                try FileManager.default.copyItem(atPath: copy, toPath: rig.server.dbPath)
            })
    }

    @Test("a PostgreSQL database restored with pg_dump / pg_restore: the same repair")
    func restoredPostgres() async throws {
        let cluster = try await PostgresCluster.shared()
        let url = try await cluster.createDatabase()
        let rig = try CrashTests.Rig(database: url)
        let dump = rig.path("concord.dump")
        try await Self.restoreScenario(
            rig, backup: { try cluster.dump(url, to: dump) }, restore: { try cluster.restore(dump, into: url) })
    }

    /// Ana and Ben sync; a backup is taken; Ana writes more and syncs; the server is stopped, `restore` puts the
    /// backup back, the server starts again; Ben writes first on the restored server (his changes take the seqs
    /// Ana's lost ones had). Then every analyst's next sync must notice and repair, and a new analyst and every
    /// store converge on the union of everything anyone had, exactly once.
    static func restoreScenario(
        _ rig: CrashTests.Rig, backup: () throws -> Void, restore: () throws -> Void
    ) async throws {
        let ana = try rig.analyst("ana")
        let ben = try rig.analyst("ben")
        try await rig.server.start()
        defer { rig.server.stopBlocking(signal: SIGTERM) }
        _ = try ana.importArticles(Array(Cluster.seeds.prefix(2)))
        let doc = try ana.documents()[0].id.rawValue
        let first = try ana.addEvent(EventDraft(values: ["doc": doc, "title": "before the backup"]))
        _ = try await rig.engine("ana").run()
        _ = try await rig.engine("ben").run()
        try backup()

        let lost = try ana.addEvent(EventDraft(values: ["doc": doc, "title": "after the backup, by ana"]))
        _ = try ana.note(first.rawValue, text: "a note after the backup")
        _ = try await rig.engine("ana").run()
        _ = try await rig.engine("ben").run()
        #expect(try ben.snapshot(of: lost) != nil)
        await rig.server.stop(signal: SIGTERM)
        try restore()
        try await rig.server.start()

        let newer = try ben.addEvent(EventDraft(values: ["doc": doc, "title": "after the restore, by ben"]))
        let benSync = try await rig.engine("ben").run()
        #expect(benSync.rewound != nil, "ben's sync noticed the rewound log: \(benSync)")
        let anaSync = try await rig.engine("ana").run()
        let repair = try #require(anaSync.rewound, "ana's sync noticed the rewound log: \(anaSync)")
        #expect(repair.restored > 0, "ana's changes the server had lost were pushed again")
        #expect(anaSync.description.contains("the server's log was rewound"))
        #expect(try ana.snapshot(of: newer) != nil, "ana received ben's change, though its seq was below her cursor")
        _ = try await rig.engine("ben").run()
        let cy = try rig.analyst("cy")
        _ = try await rig.engine("cy").run()
        for store in [ana, ben, cy] {
            #expect(try store.snapshot(of: lost)?.fields["title"] != nil)
            #expect(try store.snapshot(of: first)?.notes.count == 1)
            #expect(try store.snapshot(of: newer) != nil)
            #expect(try store.pendingCount() == 0, "nothing is left unsent")
        }
        try await rig.expectConvergedExactlyOnce()
        // A sync after the repair finds nothing wrong.
        #expect(try await rig.engine("ana").run().rewound == nil)
    }

    /// Waits (up to a minute) until the server holds more than `count` changes.
    static func waitForGrowth(_ rig: CrashTests.Rig, past count: Int) async throws {
        for _ in 0..<600 {
            if try await CrashTests.serverCount(rig) > count { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ProcessFailure(message: "the server's log did not grow past \(count) changes within a minute")
    }
}
