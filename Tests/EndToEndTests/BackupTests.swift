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
        try rig.server.start()
        defer { rig.server.stop(signal: SIGTERM) }
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
            let result = try run(Binaries.server, ["backup", "--db", rig.server.dbPath, "--out", out])
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
        let restored = ServerProcess(dbPath: copies[0].path, port: try freePort())
        try restored.start()
        defer { restored.stop(signal: SIGTERM) }
        let transport = HTTPTransport(server: restored.url, token: rig.tokens["ben"]!)
        let served = try await transport.pull(after: 0, limit: 20_000)
        #expect(served.changes.count == copies[0].changes)

        // Never overwrites; a PostgreSQL URL is sent to pg_dump.
        let before = try Data(contentsOf: URL(fileURLWithPath: copies[1].path))
        let again = try run(Binaries.server, ["backup", "--db", rig.server.dbPath, "--out", copies[1].path])
        #expect(again.status == 1 && again.stderr.contains("never overwrites"), "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: copies[1].path)) == before)
        let postgres = try run(
            Binaries.server, ["backup", "--db", "postgres://concord:secret@127.0.0.1:1/x", "--out", rig.path("pg")])
        #expect(postgres.status == 1 && postgres.stderr.contains("pg_dump"), "\(postgres.stderr)")
        #expect(!postgres.stderr.contains("secret"), "a password is never shown")
        #expect(!FileManager.default.fileExists(atPath: rig.path("pg")))
        let missing = try run(Binaries.server, ["backup", "--db", rig.path("none.sqlite"), "--out", rig.path("b")])
        #expect(missing.status == 1 && missing.stderr.contains("does not exist"), "\(missing.stderr)")
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
